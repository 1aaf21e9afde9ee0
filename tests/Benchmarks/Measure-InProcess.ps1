<#
.SYNOPSIS
    Items 1, 3, 4 and 5 of the performance issue, measured by tests/XenHa.Benchmarks (built by
    build.ps1 -Task Bench): decode, simulator throughput and latency, HA planner and restart,
    evacuation; plus Python's xmlrpc.client.loads on the decoded bytes.
.DESCRIPTION
    Runs each benchmark command in its own process and turns its BENCHROW lines into Bench rows
    (see docs/performance.md); BenchmarkDotNet's own tables are shown as they come.
#>
[CmdletBinding()]
param(
    [switch] $Quick,
    [string] $OutputDirectory = (Join-Path $PSScriptRoot '../../out/bench')
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

$benchmarks = Join-Path $PSScriptRoot '../XenHa.Benchmarks/bin/Release/net10.0/XenHa.Benchmarks.dll'
if (-not (Test-Path $benchmarks)) { throw "$benchmarks is missing: build tests/XenHa.Benchmarks in Release first (build.ps1 -Task Bench does)." }
New-Item -ItemType Directory -Force -Path $OutputDirectory | Out-Null
$OutputDirectory = (Resolve-Path $OutputDirectory).Path

function Invoke-Benchmark {
    param([string[]] $Arguments)
    Write-Host "XenHa.Benchmarks $($Arguments -join ' ')" -ForegroundColor Cyan
    $rows = [Collections.Generic.List[object]]::new()
    & dotnet $benchmarks @Arguments --out $OutputDirectory 2>&1 | ForEach-Object {
        $line = "$_"
        if ($line.StartsWith('BENCHROW ')) { $rows.Add(($line.Substring(9) | ConvertFrom-Json)) }
        else { Write-Host $line }
    }
    if ($LASTEXITCODE -ne 0) { throw "XenHa.Benchmarks $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
    $rows
}

$quickArgument = @(if ($Quick) { '--quick' })
$decodeVms = if ($Quick) { 300 } else { 10000 }
$decodeHosts = if ($Quick) { 4 } else { 64 }

$decode = @(Invoke-Benchmark (@('decode', '--vms', $decodeVms, '--hosts', $decodeHosts) + $quickArgument))
$decode
$python = Get-Python
if ($python) {
    $file = Join-Path $OutputDirectory 'vm-get-all-records.xml'
    $runs = if ($Quick) { 1 } else { 5 }
    $py = (Invoke-Timed $python @((Join-Path $PSScriptRoot 'python/decode_bench.py'), $file, $runs)).Output | Select-Object -Last 1 | ConvertFrom-Json
    $xenha = $decode[0]
    New-BenchRow -Name "$($xenha.Name) vs Python" -Value $xenha.Value -Unit 'ms' -Baseline "python3 xmlrpc.client.loads (median of $runs)" `
        -BaselineValue $py.median_ms -Goal 'ratio <= 0.33' -GoalMet ($xenha.Value / $py.median_ms -le (1 / 3))
}
else {
    Write-Host 'python3 not found: the Python decode baseline is skipped.'
}

$simVms = if ($Quick) { 300 } else { 10000 }
$simHosts = if ($Quick) { 4 } else { 64 }
$seconds = if ($Quick) { 1 } else { 5 }
Invoke-Benchmark @('simulator', '--vms', $simVms, '--hosts', $simHosts, '--seconds', $seconds)
Invoke-Benchmark (@('planner', '--vms', $(if ($Quick) { 200 } else { 4000 }), '--hosts', $(if ($Quick) { 8 } else { 64 })) + $quickArgument)
Invoke-Benchmark @('ha-restart', '--vms', $(if ($Quick) { 20 } else { 1000 }))
Invoke-Benchmark @('evacuate', '--vms', $(if ($Quick) { 20 } else { 200 }))
