<#
.SYNOPSIS
    The one build entry point of XenHa.

.DESCRIPTION
    Builds the solution with the version taken from XenHa.psd1 (the single version source), stages the
    module into out/XenHa/<version>/ (manifest, assemblies, format file, simulator) and its companion
    DSC module into out/XenHaDsc/<version>/, and runs the requested task. Stops at the first failing step and exits non-zero.

    Tasks:
      Build  build and stage the module
      Test   Build and package, then xunit and Pester (in a fresh pwsh against the staged module); ends with the
             single line "N passed, M failed"
      Demo   Build, then run the demo against a simulated three-host farm
      Docs   turn docs/ (platyPS markdown) into the staged module's en-US/XenHa.dll-Help.xml (MAML) and
             en-US/about_XenHa.help.txt (Build does this too, and runs first when nothing is staged)
      Package  Build, then write out/XenHa.<version>.nupkg and out/XenHaDsc.<version>.nupkg: each staged
             module folder as a PowerShellGet-style package (module files at the root plus a nuspec)
      Fuzz   Build, then a longer fuzz campaign (-Seconds per target) of the client's response decoder and
             the simulator's XML-RPC and JSON-RPC request parsers; prints inputs tried and failures per
             target, saves failing inputs under out/fuzz/<target>/ and exits non-zero on any failure
      Bench  Build, then run every tests/Benchmarks/Measure-*.ps1 (about 10 minutes), print the table
             and write docs/performance.md; with -Quick, tiny sizes and out/bench/performance.md

.PARAMETER Task
    Build, Test, Demo, Docs, Package, Fuzz or Bench.

.PARAMETER Seconds
    Fuzz only: how long each fuzz target runs (default 60).

.PARAMETER Quick
    Bench only: tiny sizes and dry BenchmarkDotNet jobs (a smoke run); the report goes to
    out/bench/performance.md instead of docs/performance.md.

.PARAMETER Configuration
    The dotnet build configuration (Release by default).

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
    Builds, runs every xunit and Pester test, and prints "N passed, M failed".

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Demo
    Builds and runs the demo against a simulated farm.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Bench
    Builds, runs every benchmark with its baseline and writes docs/performance.md.

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Fuzz -Seconds 300
    Fuzzes each decoder and parser for five minutes and prints what was tried and what failed.

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Package
    Builds, stages the modules with their help, and writes out/XenHa.<version>.nupkg and out/XenHaDsc.<version>.nupkg.

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build -Configuration Debug
    Builds and stages a Debug module into out/XenHa/<version>/.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Docs', 'Package', 'Fuzz', 'Bench')]
    [string] $Task = 'Build',

    [ValidateRange(1, 86400)]
    [int] $Seconds = 60,

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
    param([string] $Name = 'XenHa')
    Join-Path $Root "out/$Name/$(Get-ModuleVersion)"
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
    Copy-DscModule

    $simulatorOut = Join-Path $stage 'simulator'
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/XenHa.Simulator/XenHa.Simulator.csproj'), '-c', $Configuration, "-p:Version=$version", '--no-build', '-o', $simulatorOut, '-nologo', '-v:quiet')
    Invoke-DocsTask
    Write-Host "Staged module: $stage" -ForegroundColor Cyan
}

function Copy-DscModule {
    # The companion module XenHaDsc (the DSC resources) carries XenHa's version and requires exactly it.
    $version = Get-ModuleVersion
    $manifest = Import-PowerShellDataFile -Path (Join-Path $Root 'src/XenHa.Dsc/XenHaDsc.psd1')
    $required = @($manifest.RequiredModules | Where-Object ModuleName -EQ 'XenHa')
    if ($manifest.ModuleVersion -ne $version -or $required.Count -ne 1 -or $required[0].RequiredVersion -ne $version) {
        throw "src/XenHa.Dsc/XenHaDsc.psd1 must have ModuleVersion $version and require XenHa $version, as XenHa.psd1 says."
    }
    $stage = Get-StagePath -Name 'XenHaDsc'
    if (Test-Path $stage) { Remove-Item $stage -Recurse -Force }
    New-Item -ItemType Directory -Path $stage | Out-Null
    Copy-Item (Join-Path $Root 'src/XenHa.Dsc/XenHaDsc.psd1'), (Join-Path $Root 'src/XenHa.Dsc/XenHaDsc.psm1') $stage
}

function Invoke-DocsTask {
    if (-not (Test-Path (Join-Path (Get-StagePath) 'XenHa.psd1'))) {
        # Nothing staged yet: Build stages the module and writes the help into it.
        Invoke-BuildTask
        return
    }
    Import-Module (Join-Path $Root 'src/Help/XenHaHelp.psm1') -Force
    Export-XenHaHelp -DocsPath (Join-Path $Root 'docs') -ModuleBase (Get-StagePath)
    Write-Host "Help written: $(Join-Path (Get-StagePath) 'en-US')" -ForegroundColor Cyan
}

function Invoke-PackageTask {
    Invoke-BuildTask
    New-ModulePackage -Name 'XenHa'
    New-ModulePackage -Name 'XenHaDsc'
}

function New-ModulePackage {
    # A PowerShellGet-style .nupkg of a staged module: its files at the package root, <Name>.nuspec
    # with the manifest's metadata and required modules, and the two OPC parts NuGet expects. Written
    # with System.IO.Compression.
    param([Parameter(Mandatory)] [string] $Name)
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $stage = Get-StagePath -Name $Name
    $manifest = Import-PowerShellDataFile -Path (Join-Path $stage "$Name.psd1")
    $package = Join-Path $Root "out/$Name.$($manifest.ModuleVersion).nupkg"
    $tags = @($manifest.PrivateData.PSData.Tags) + 'PSModule'
    if ($manifest.CmdletsToExport) {
        $tags += @('PSIncludes_Cmdlet') + @($manifest.CmdletsToExport | ForEach-Object { "PSCmdlet_$_"; "PSCommand_$_" })
    }
    if ($manifest.ContainsKey('DscResourcesToExport')) {
        $tags += @('PSIncludes_DscResource') + @($manifest.DscResourcesToExport | ForEach-Object { "PSDscResource_$_" })
    }
    $dependencies = @($manifest['RequiredModules'] | Where-Object { $_ } | ForEach-Object {
            "      <dependency id=`"$($_.ModuleName)`" version=`"[$($_.RequiredVersion)]`" />"
        })
    $dependencyXml = if ($dependencies) { "    <dependencies>`n$($dependencies -join "`n")`n    </dependencies>`n" } else { '' }
    $escape = { param($text) [System.Security.SecurityElement]::Escape([string] $text) }
    $nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>$Name</id>
    <version>$($manifest.ModuleVersion)</version>
    <authors>$(& $escape $manifest.Author)</authors>
    <owners>$(& $escape $manifest.CompanyName)</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <licenseUrl>$(& $escape $manifest.PrivateData.PSData.LicenseUri)</licenseUrl>
    <description>$(& $escape $manifest.Description)</description>
    <copyright>$(& $escape $manifest.Copyright)</copyright>
    <tags>$(& $escape ($tags -join ' '))</tags>
$dependencyXml  </metadata>
</package>
"@
    $files = @(Get-ChildItem -Path $stage -Recurse -File)
    $extensions = @($files | ForEach-Object { $_.Extension.TrimStart('.') } | Where-Object { $_ } | Sort-Object -Unique) + 'nuspec', 'rels'
    $contentTypes = '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        (($extensions | Sort-Object -Unique | ForEach-Object { "<Default Extension=`"$_`" ContentType=`"application/octet`" />" }) -join '') + '</Types>'
    $rels = '<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        "<Relationship Type=`"http://schemas.microsoft.com/packaging/2010/07/manifest`" Target=`"/$Name.nuspec`" Id=`"R0`" /></Relationships>"

    if (Test-Path $package) { Remove-Item $package }
    $zip = [System.IO.Compression.ZipFile]::Open($package, [System.IO.Compression.ZipArchiveMode]::Create)
    try {
        foreach ($part in @(@("$Name.nuspec", $nuspec), @('[Content_Types].xml', $contentTypes), @('_rels/.rels', $rels))) {
            $writer = [System.IO.StreamWriter]::new($zip.CreateEntry($part[0]).Open(), [System.Text.UTF8Encoding]::new($false))
            try { $writer.Write($part[1]) } finally { $writer.Dispose() }
        }
        foreach ($file in $files) {
            $name = $file.FullName.Substring($stage.Length).TrimStart('/', '\').Replace('\', '/')
            [System.IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $file.FullName, $name) | Out-Null
        }
    }
    finally {
        $zip.Dispose()
    }
    Write-Host "Package: $package" -ForegroundColor Cyan
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
    New-ModulePackage -Name 'XenHa'
    New-ModulePackage -Name 'XenHaDsc'
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
            & dotnet test (Join-Path $Root $project) -c $Configuration --no-build -nologo -v:quiet --filter 'FullyQualifiedName~FuzzTests.Mutated|FullyQualifiedName~XmlTokenizerTests.Mutated' --logger 'console;verbosity=minimal' | Out-Host
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
        'Docs' { Invoke-DocsTask }
        'Package' { Invoke-PackageTask }
        'Fuzz' { Invoke-FuzzTask }
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
