using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;

namespace XenHa.Benchmarks;

/// <summary>
/// The in-process benchmarks of build.ps1 -Task Bench. Each command prints its results as
/// BENCHROW lines (see <see cref="Row"/>); everything else on stdout is progress.
/// </summary>
internal static class Program
{
    private const string Usage = """
usage: XenHa.Benchmarks <command> [options]
  decode      --vms N --hosts H --out DIR   VM.get_all_records decode: XenHa vs XmlReader scan (BenchmarkDotNet);
                                            writes DIR/vm-get-all-records.xml for the Python baseline
  decode-once --file F --what xenha|scan    one decode of F in this (fresh) process; prints its milliseconds
  planner     --vms N --hosts H             HA planner: max failures to tolerate and restart plan (BenchmarkDotNet)
  simulator   --vms N --hosts H --seconds S small calls/s from 1 and 16 keep-alive clients; get_all_records latency
  ha-restart  --vms N                       restart of N protected VMs after their host is powered off (fast clock)
  evacuate    --vms N                       host.evacuate of a host with N running VMs: batches of 10 vs one by one
common: --quick (BenchmarkDotNet dry job), --out DIR (artifacts, default ./out/bench)
""";

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h")
        {
            Console.Out.Write(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var quick = false;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--quick") { quick = true; continue; }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                Console.Error.WriteLine("XenHa.Benchmarks: bad option " + args[i]);
                Console.Error.Write(Usage);
                return 2;
            }

            options[args[i].Substring(2)] = args[++i];
        }

        int Int(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var outDir = Path.GetFullPath(options.TryGetValue("out", out var o) ? o : Path.Combine("out", "bench"));
        Directory.CreateDirectory(outDir);
        switch (args[0])
        {
            case "decode":
                DecodeCommand.Run(Int("hosts", 64), Int("vms", 10000), quick, outDir);
                return 0;
            case "decode-once":
                Console.Out.WriteLine(DecodeCommand.Once(File.ReadAllBytes(options["file"]), options["what"]).ToString("0.0", CultureInfo.InvariantCulture));
                return 0;
            case "planner":
                PlannerCommand.Run(Int("hosts", 64), Int("vms", 4000), quick, outDir);
                return 0;
            case "simulator":
                await SimulatorLoad.RunAsync(Int("hosts", 64), Int("vms", 10000), Int("seconds", 5)).ConfigureAwait(false);
                return 0;
            case "ha-restart":
                await HaRestart.RunAsync(Int("vms", 1000)).ConfigureAwait(false);
                return 0;
            case "evacuate":
                await EvacuationBench.RunAsync(Int("vms", 200)).ConfigureAwait(false);
                return 0;
            default:
                Console.Error.WriteLine("XenHa.Benchmarks: unknown command " + args[0]);
                Console.Error.Write(Usage);
                return 2;
        }
    }
}
