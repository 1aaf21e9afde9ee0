<#
.SYNOPSIS
    The one build entry point of XenHa.

.DESCRIPTION
    Builds the solution with the version taken from XenHa.psd1 (the single version source), stages the
    module into out/XenHa/<version>/ (manifest, assemblies, format file, simulator), and runs the
    requested task. Stops at the first failing step and exits non-zero.

    Tasks:
      Build  build and stage the module
      Test   Build, then xunit and Pester (in a fresh pwsh against the staged module); ends with the
             single line "N passed, M failed"
      Demo   Build, then run the demo against a simulated three-host farm
      Fuzz   Build, then a longer fuzz campaign (-Seconds per target) of the client's response decoder and
             the simulator's XML-RPC and JSON-RPC request parsers; prints inputs tried and failures per
             target, saves failing inputs under out/fuzz/<target>/ and exits non-zero on any failure

.PARAMETER Task
    Build, Test, Demo or Fuzz.

.PARAMETER Seconds
    Fuzz only: how long each fuzz target runs (default 60).

.PARAMETER Configuration
    The dotnet build configuration (Release by default).

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
    Builds, runs every xunit and Pester test, and prints "N passed, M failed".

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Demo
    Builds and runs the demo against a simulated farm.

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Fuzz -Seconds 300
    Fuzzes each decoder and parser for five minutes and prints what was tried and what failed.

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build -Configuration Debug
    Builds and stages a Debug module into out/XenHa/<version>/.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Fuzz')]
    [string] $Task = 'Build',

    [ValidateRange(1, 86400)]
    [int] $Seconds = 60,

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = $PSScriptRoot

function Invoke-Native {
    # Runs a native command and stops the build on a non-zero exit code.
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Get-ModuleVersion {
    (Import-PowerShellDataFile -Path (Join-Path $Root 'XenHa.psd1')).ModuleVersion
}

function Get-StagePath {
    Join-Path $Root "out/XenHa/$(Get-ModuleVersion)"
}

function Invoke-BuildTask {
    if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
        throw 'The .NET SDK (dotnet) is required on PATH.'
    }
    $version = Get-ModuleVersion
    Write-Host "Building XenHa $version ($Configuration)" -ForegroundColor Cyan
    Invoke-Native dotnet @('build', (Join-Path $Root 'XenHaPs.sln'), '-c', $Configuration, "-p:Version=$version", '-nologo', '-clp:NoSummary;ErrorsOnly', '-v:quiet')

    $stage = Get-StagePath
    if (Test-Path $stage) { Remove-Item $stage -Recurse -Force }
    New-Item -ItemType Directory -Path $stage | Out-Null

    $moduleBin = Join-Path $Root "src/XenHa/bin/$Configuration/netstandard2.0"
    foreach ($file in 'XenHa.dll', 'XenHa.Client.dll', 'XenHa.Format.ps1xml') {
        Copy-Item (Join-Path $moduleBin $file) $stage
    }
    Copy-Item (Join-Path $Root 'XenHa.psd1') $stage

    $simulatorOut = Join-Path $stage 'simulator'
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/XenHa.Simulator/XenHa.Simulator.csproj'), '-c', $Configuration, "-p:Version=$version", '--no-build', '-o', $simulatorOut, '-nologo', '-v:quiet')
    Write-Host "Staged module: $stage" -ForegroundColor Cyan
}

function Get-TrxCounts {
    param([string] $Path)
    [xml] $trx = Get-Content -Raw -Path $Path
    $counters = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Passed = [int] $counters.passed
        Failed = [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
    }
}

function Invoke-XunitTests {
    $results = Join-Path $Root 'out/test-results'
    $passed = 0; $failed = 0
    foreach ($project in 'tests/XenHa.Client.Tests', 'tests/XenHa.Simulator.Tests') {
        $name = Split-Path $project -Leaf
        $trx = Join-Path $results "$name.trx"
        if (Test-Path $trx) { Remove-Item $trx }
        Write-Host "xunit: $name" -ForegroundColor Cyan
        & dotnet test (Join-Path $Root $project) -c $Configuration --no-build -nologo -v:quiet --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' | Out-Host
        $exit = $LASTEXITCODE
        if (-not (Test-Path $trx)) { throw "xunit run of $name produced no results (exit code $exit)." }
        $counts = Get-TrxCounts $trx
        if ($exit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }
        $passed += $counts.Passed; $failed += $counts.Failed
    }
    [pscustomobject]@{ Passed = $passed; Failed = $failed }
}

function Get-PesterModulePath {
    Invoke-Native dotnet @('restore', (Join-Path $Root 'tests/Tools/Tools.csproj'), '-nologo', '-v:quiet')
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $pester = Join-Path $packages 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $pester)) { throw "Pester 6.2.0 was not restored to $pester." }
    $pester
}

function Invoke-PesterTests {
    param([string] $Shell, [string[]] $ShellArguments)
    $pester = Get-PesterModulePath
    $summary = Join-Path $Root "out/test-results/pester-$(Split-Path $Shell -Leaf).json"
    if (Test-Path $summary) { Remove-Item $summary }
    $runner = Join-Path $Root 'tests/Pester/Invoke-XenHaPester.ps1'
    Write-Host "Pester ($Shell)" -ForegroundColor Cyan
    & $Shell @ShellArguments -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $runner -PesterPath $pester -ModulePath (Join-Path (Get-StagePath) 'XenHa.psd1') -TestPath (Join-Path $Root 'tests/Pester') -SummaryPath $summary | Out-Host
    $exit = $LASTEXITCODE
    if (-not (Test-Path $summary)) { throw "The Pester run produced no summary (exit code $exit)." }
    $counts = Get-Content -Raw $summary | ConvertFrom-Json
    if ($exit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }
    $counts
}

function Invoke-TestTask {
    Invoke-BuildTask
    New-Item -ItemType Directory -Force -Path (Join-Path $Root 'out/test-results') | Out-Null
    $xunit = Invoke-XunitTests
    $runs = @($xunit)
    $runs += Invoke-PesterTests -Shell 'dotnet' -ShellArguments @('pwsh')
    if ($IsWindows -and (Get-Command powershell.exe -ErrorAction SilentlyContinue)) {
        $runs += Invoke-PesterTests -Shell 'powershell.exe' -ShellArguments @()
    }
    $passed = ($runs | Measure-Object -Property Passed -Sum).Sum
    $failed = ($runs | Measure-Object -Property Failed -Sum).Sum
    "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-DemoTask {
    Invoke-BuildTask
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'src/Demo/Invoke-XenHaDemo.ps1') -ModulePath (Join-Path (Get-StagePath) 'XenHa.psd1')
    if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
}

function Invoke-FuzzTask {
    Invoke-BuildTask
    $out = Join-Path $Root 'out/fuzz'
    if (Test-Path $out) { Remove-Item $out -Recurse -Force }
    New-Item -ItemType Directory -Path $out | Out-Null
    $env:XENHA_FUZZ_SECONDS = "$Seconds"
    $env:XENHA_FUZZ_OUT = $out
    try {
        foreach ($project in 'tests/XenHa.Client.Tests', 'tests/XenHa.Simulator.Tests') {
            Write-Host "fuzz: $(Split-Path $project -Leaf) ($Seconds s per target)" -ForegroundColor Cyan
            & dotnet test (Join-Path $Root $project) -c $Configuration --no-build -nologo -v:quiet --filter 'FullyQualifiedName~FuzzTests.Mutated' --logger 'console;verbosity=minimal' | Out-Host
        }
    }
    finally {
        Remove-Item Env:XENHA_FUZZ_SECONDS, Env:XENHA_FUZZ_OUT -ErrorAction SilentlyContinue
    }
    $summaries = @(Get-ChildItem -Path $out -Filter '*.summary' | Sort-Object Name)
    if ($summaries.Count -lt 4) { throw "The fuzz run produced $($summaries.Count) of 4 target summaries; see the test output above." }
    $failed = 0
    foreach ($summary in $summaries) {
        $line = (Get-Content -Raw $summary.FullName).Trim()
        Write-Host $line
        if ($line -match 'failures=(\d+)') { $failed += [int] $Matches[1] }
    }
    "fuzz: $failed failures; failing inputs (if any) under $out"
    if ($failed -gt 0) { exit 1 }
}

Push-Location $Root
try {
    switch ($Task) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Demo' { Invoke-DemoTask }
        'Fuzz' { Invoke-FuzzTask }
    }
}
catch {
    Write-Host "build.ps1 -Task $Task failed: $($_.Exception.Message)" -ForegroundColor Red
    exit 1
}
finally {
    Pop-Location
}
