<#
.SYNOPSIS
    Runs the XenHa Pester suite against a staged module and writes a pass/fail summary as JSON.
    build.ps1 calls this in a fresh pwsh (and in Windows PowerShell where it exists).
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $TestPath,
    [Parameter(Mandatory)] [string] $SummaryPath
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:XENHA_MODULE_PATH = $ModulePath
# Every test reads and writes XenHa settings (certificate policy, pins) in a throw-away directory.
$env:XENHA_CONFIG_DIR = Join-Path ([System.IO.Path]::GetTempPath()) ("xenha-test-config-" + [guid]::NewGuid().ToString('N'))

$configuration = New-PesterConfiguration
$configuration.Run.Path = $TestPath
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Normal'
if ($env:CI -or [Console]::IsOutputRedirected) { $configuration.Output.RenderMode = 'Plaintext' }
$configuration.Should.ErrorAction = 'Continue'
$result = Invoke-Pester -Configuration $configuration

Remove-Item $env:XENHA_CONFIG_DIR -Recurse -Force -ErrorAction SilentlyContinue
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount } |
    ConvertTo-Json | Set-Content -Path $SummaryPath -Encoding utf8
if ($failed -gt 0) { exit 1 }
exit 0
