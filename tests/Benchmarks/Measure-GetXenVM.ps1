<#
.SYNOPSIS
    Item 2 of the performance issue: Get-XenVM end to end on a 64-host, 10,000-VM simulated pool
    against a Python script using xmlrpc.client the way XenAPI.py does, on the same simulator.
.DESCRIPTION
    Starts xensim --hosts 64 --preset pooled-with-vms --vms 10000 once; runs the timed Get-XenVM in
    several fresh pwsh processes and tests/Benchmarks/python/get_all_vms.py in as many python3
    processes (both log in before timing, both read the VMs, hosts and guest metrics). Medians.
    Emits Bench rows (see docs/performance.md).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
Import-Module $ModulePath

$hostCount = if ($Quick) { 4 } else { 64 }
$vmCount = if ($Quick) { 200 } else { 10000 }
$runs = if ($Quick) { 1 } else { 3 }
$pwsh = Get-FreshPwsh
$python = Get-Python
$child = Join-Path $PSScriptRoot 'scripts/Get-XenVMTimed.ps1'

Write-Host "Get-XenVM: starting xensim with $hostCount hosts and $vmCount VMs"
$sim = Start-XenSimulator -HostCount $hostCount -Preset pooled-with-vms -MemoryGB 512 -ArgumentList '--vms', $vmCount -TimeoutSeconds 600
try {
    $env:XENHA_BENCH_PASSWORD = $sim.Credential.GetNetworkCredential().Password
    $user = $sim.Credential.UserName
    $xenha = @(for ($i = 0; $i -lt $runs; $i++) {
            $run = Invoke-Timed $pwsh.FilePath (@($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $child, '-ModulePath', $ModulePath, '-Url', $sim.Url, '-User', $user))
            $run.Output | Select-Object -Last 1 | ConvertFrom-Json
        })
    $py = @(if ($python) {
            for ($i = 0; $i -lt $runs; $i++) {
                $run = Invoke-Timed $python @((Join-Path $PSScriptRoot 'python/get_all_vms.py'), $sim.Url, $user)
                $run.Output | Select-Object -Last 1 | ConvertFrom-Json
            }
        })
}
finally {
    Remove-Item Env:XENHA_BENCH_PASSWORD -ErrorAction SilentlyContinue
    $sim | Stop-XenSimulator
}

foreach ($r in $xenha) {
    if ($r.count -ne $vmCount) { throw "Get-XenVM returned $($r.count) VMs, expected $vmCount." }
}
$pyFirst = if ($py) { Get-Median $py.first_ms } else { $null }
$pyAll = if ($py) { Get-Median $py.all_ms } else { $null }
$pyPeak = if ($py) { Get-Median $py.peak_mb } else { $null }
$pyName = if ($py) { 'python3 xmlrpc.client (XenAPI.py style)' } else { 'python3 not found: no baseline' }
$what = "$vmCount VMs, $hostCount hosts"

$first = Get-Median $xenha.first_ms
New-BenchRow -Name "Get-XenVM first object ($what)" -Value $first -Unit 'ms' -Baseline $pyName -BaselineValue $pyFirst
$all = Get-Median $xenha.all_ms
$goal = if ($py) { '< 1000 ms and ratio <= 0.33' } else { '< 1000 ms' }
$met = $all -lt 1000 -and (-not $py -or $all / $pyAll -le (1 / 3))
New-BenchRow -Name "Get-XenVM all objects ($what)" -Value $all -Unit 'ms' -Baseline $pyName -BaselineValue $pyAll -Goal $goal -GoalMet $met
New-BenchRow -Name "Get-XenVM time inside its XenAPI calls, first start to last end (they overlap): request, xensim, transfer, decode ($what)" -Value (Get-Median $xenha.call_ms) -Unit 'ms'
New-BenchRow -Name "Get-XenVM peak working set, whole pwsh process ($what)" -Value (Get-Median $xenha.peak_mb) -Unit 'MiB' -Baseline $pyName -BaselineValue $pyPeak
New-BenchRow -Name "Get-XenVM peak working set added by the call ($what)" -Value (Get-Median ($xenha | ForEach-Object { $_.peak_mb - $_.peak_before_mb })) -Unit 'MiB'
$calls = @($xenha[0].calls)
$classes = @($calls | ForEach-Object { ($_ -split '\.')[0] } | Sort-Object -Unique)
New-BenchRow -Name "Get-XenVM round trips ($($calls -join ', '))" -Value $calls.Count -Unit 'calls' `
    -Goal 'one per class read' -GoalMet ($calls.Count -eq $classes.Count)
