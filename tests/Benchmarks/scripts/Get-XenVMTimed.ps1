<#
.SYNOPSIS
    One timed Get-XenVM in a fresh pwsh (run by Measure-GetXenVM.ps1): connects first, then times the
    first and the last VM object, counts the XenAPI calls Get-XenVM made (and the time spent in them)
    and reads the peak working set.
    The password comes from $env:XENHA_BENCH_PASSWORD. Prints one JSON line.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Url,
    [Parameter(Mandatory)] [string] $User
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$password = ConvertTo-SecureString $env:XENHA_BENCH_PASSWORD -AsPlainText -Force
$connection = Connect-XenPool -Server $Url -Credential ([pscredential]::new($User, $password))
$null = Register-ObjectEvent -InputObject $connection.Session -EventName CallCompleted -SourceIdentifier XenHaBenchCalls
$process = [Diagnostics.Process]::GetCurrentProcess()
$process.Refresh()
$before = $process.PeakWorkingSet64
$first = -1.0
$count = 0
$watch = [Diagnostics.Stopwatch]::StartNew()
Get-XenVM | ForEach-Object {
    if ($first -lt 0) { $first = $watch.Elapsed.TotalMilliseconds }
    $count++
}
$all = $watch.Elapsed.TotalMilliseconds
$process.Refresh()
$events = @(Get-Event -SourceIdentifier XenHaBenchCalls)
$calls = @($events | ForEach-Object { $_.SourceEventArgs.Method })
# Time inside the XenAPI calls (request, server, transfer and decode): from the first call's start to
# the last one's end, as the calls overlap; the rest is the cmdlet and the pipeline.
$ends = @($events | ForEach-Object { $_.TimeGenerated })
$starts = @($events | ForEach-Object { $_.TimeGenerated - $_.SourceEventArgs.Duration })
$callMs = (($ends | Measure-Object -Maximum).Maximum - ($starts | Measure-Object -Minimum).Minimum).TotalMilliseconds
Unregister-Event -SourceIdentifier XenHaBenchCalls
$connection | Disconnect-XenPool
[pscustomobject]@{
    first_ms       = $first
    all_ms         = $all
    count          = $count
    peak_mb        = $process.PeakWorkingSet64 / 1MB
    peak_before_mb = $before / 1MB
    calls          = $calls
    call_ms        = $callMs
} | ConvertTo-Json -Compress
