using System.Threading.Tasks;
using Xunit;

namespace XenHa.Simulator.Tests;

/// <summary>A pooled farm with VMs (3 hosts, xennode01 coordinator), shared by a test class.</summary>
public sealed class PooledFarm : IAsyncLifetime
{
    public SimulatorHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await SimulatorHost.StartAsync(new SimulatorOptions { Farm = { Hosts = 3, Preset = "pooled-with-vms" } });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>Three fresh standalone hosts (three pools of one).</summary>
public sealed class StandaloneFarm : IAsyncLifetime
{
    public SimulatorHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await SimulatorHost.StartAsync(new SimulatorOptions { Farm = { Hosts = 3 } });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
