<#
.SYNOPSIS
    Item 6 of the performance issue: Import-Module XenHa in a fresh pwsh against a bare pwsh start.
.DESCRIPTION
    Starts pwsh several times with -NoProfile, once doing nothing and once importing the staged
    module, alternating, and reports the medians. Emits Bench rows (see docs/performance.md).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [switch] $Quick
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

$runs = if ($Quick) { 2 } else { 7 }
$pwsh = Get-FreshPwsh
$bare = @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', 'exit 0')
$import = @($pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModulePath' -ErrorAction Stop; exit 0")
# One untimed start of each warms the disk cache.
$null = Invoke-Timed $pwsh.FilePath $bare
$null = Invoke-Timed $pwsh.FilePath $import
$bareTimes = @(); $importTimes = @()
for ($i = 0; $i -lt $runs; $i++) {
    $bareTimes += (Invoke-Timed $pwsh.FilePath $bare).Milliseconds
    $importTimes += (Invoke-Timed $pwsh.FilePath $import).Milliseconds
}
$bareMs = Get-Median $bareTimes
$importMs = Get-Median $importTimes
New-BenchRow -Name "pwsh start + Import-Module XenHa (median of $runs)" -Value $importMs -Unit 'ms' `
    -Baseline 'bare pwsh start' -BaselineValue $bareMs -Goal 'ratio <= 1.5' -GoalMet ($importMs / $bareMs -le 1.5)
