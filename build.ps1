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
      Bench  Build, then run every tests/Benchmarks/Measure-*.ps1 (about 10 minutes), print the table
             and write docs/performance.md; with -Quick, tiny sizes and out/bench/performance.md

.PARAMETER Task
    Build, Test, Demo or Bench.

.PARAMETER Configuration
    The dotnet build configuration (Release by default).

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
    Builds, runs every xunit and Pester test, and prints "N passed, M failed".

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Demo
    Builds and runs the demo against a simulated farm.

.PARAMETER Quick
    Bench only: tiny sizes and dry BenchmarkDotNet jobs (a smoke run); the report goes to
    out/bench/performance.md instead of docs/performance.md.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Bench
    Builds, runs every benchmark with its baseline and writes docs/performance.md.

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build -Configuration Debug
    Builds and stages a Debug module into out/XenHa/<version>/.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [switch] $Quick
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

function Invoke-BenchTask {
    Invoke-BuildTask
    Invoke-Native dotnet @('build', (Join-Path $Root 'tests/XenHa.Benchmarks/XenHa.Benchmarks.csproj'), '-c', 'Release', "-p:Version=$(Get-ModuleVersion)", '-nologo', '-clp:NoSummary;ErrorsOnly', '-v:quiet')
    $benchOut = Join-Path $Root 'out/bench'
    New-Item -ItemType Directory -Force -Path $benchOut | Out-Null
    . (Join-Path $Root 'tests/Benchmarks/BenchReport.ps1')
    $modulePath = Join-Path (Get-StagePath) 'XenHa.psd1'
    $rows = [Collections.Generic.List[object]]::new()
    $commands = [Collections.Generic.List[string]]::new()
    foreach ($script in Get-ChildItem (Join-Path $Root 'tests/Benchmarks') -Filter 'Measure-*.ps1' | Sort-Object Name) {
        # The contract: a script may declare -ModulePath, -Quick and -OutputDirectory, and emits rows.
        $declared = (Get-Command $script.FullName).Parameters
        $arguments = @{}
        if ($declared.ContainsKey('ModulePath')) { $arguments.ModulePath = $modulePath }
        if ($declared.ContainsKey('Quick') -and $Quick) { $arguments.Quick = $true }
        if ($declared.ContainsKey('OutputDirectory')) { $arguments.OutputDirectory = $benchOut }
        $commands.Add("tests/Benchmarks/$($script.Name)" + ($(if ($arguments.ContainsKey('Quick')) { ' -Quick' } else { '' })))
        Write-Host "Bench: $($script.Name)" -ForegroundColor Cyan
        foreach ($row in & $script.FullName @arguments) { $rows.Add((ConvertTo-BenchRow $row $script.Name)) }
    }
    $rows | Format-Table -AutoSize -Property Name, @{ n = 'Value'; e = { Format-BenchNumber $_.Value } }, Unit, Baseline,
        @{ n = 'Baseline value'; e = { Format-BenchNumber $_.BaselineValue } }, @{ n = 'Ratio'; e = { Format-BenchNumber $_.Ratio } }, Goal,
        @{ n = 'Met'; e = { Format-GoalMet $_.GoalMet } } | Out-String -Width 300 | Out-Host
    $report = if ($Quick) { Join-Path $benchOut 'performance.md' } else { Join-Path $Root 'docs/performance.md' }
    Write-BenchReport -Path $report -Rows $rows -Commands $commands -Quick:$Quick -Root $Root -Version (Get-ModuleVersion)
    Write-Host "Benchmark report: $report" -ForegroundColor Cyan
}

Push-Location $Root
try {
    switch ($Task) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Demo' { Invoke-DemoTask }
        'Bench' { Invoke-BenchTask }
    }
}
catch {
    Write-Host "build.ps1 -Task $Task failed: $($_.Exception.Message)" -ForegroundColor Red
    exit 1
}
finally {
    Pop-Location
}
