# build.ps1 -Task Package (and -Task Test, which packages before testing) writes out/XenHa.<version>.nupkg
# and out/XenHaDsc.<version>.nupkg (the DSC resources). Installed as Install-Module would (extracted
# into <ModulePath>/<Name>/<version>/), the modules load by name in a fresh pwsh and XenHa works against
# the simulator it carries.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $version = (Import-PowerShellDataFile $modulePath).ModuleVersion
    $package = Join-Path $root "out/XenHa.$version.nupkg"
    if (-not (Test-Path $package)) { throw "$package is missing: run build.ps1 -Task Package (-Task Test packages too)." }
    $dscPackage = Join-Path $root "out/XenHaDsc.$version.nupkg"
    if (-not (Test-Path $dscPackage)) { throw "$dscPackage is missing: run build.ps1 -Task Package (-Task Test packages too)." }

    function Read-Part($Zip, [string] $Name) {
        $reader = [System.IO.StreamReader]::new(($Zip.Entries | Where-Object FullName -EQ $Name).Open())
        try { [xml] $reader.ReadToEnd() } finally { $reader.Dispose() }
    }
    function Read-Package([string] $Path, [string] $Name) {
        # The package's entry names, its parsed nuspec and the part its manifest relationship points at.
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Path)
        try {
            $names = @($zip.Entries | ForEach-Object FullName)
            $xml = Read-Part $zip "$Name.nuspec"
            $manifestTarget = (Read-Part $zip '_rels/.rels').Relationships.Relationship.Target
        }
        finally {
            $zip.Dispose()
        }
        $names, $xml, $manifestTarget
    }
    $entries, $nuspec, $manifestTarget = Read-Package $package 'XenHa'
    $dscEntries, $dscNuspec, $dscManifestTarget = Read-Package $dscPackage 'XenHaDsc'
    $modules = Join-Path ([System.IO.Path]::GetTempPath()) "xenha-package-$PID"
}

AfterAll {
    if ($modules -and (Test-Path $modules)) { Remove-Item $modules -Recurse -Force }
}

Describe 'The XenHa package' {
    It 'is a PowerShellGet-style nupkg: the module at the root and a nuspec with its metadata' {
        $metadata = $nuspec.package.metadata
        $metadata.id | Should -Be 'XenHa'
        $metadata.version | Should -Be $version
        $metadata.authors | Should -Not -BeNullOrEmpty
        $metadata.description | Should -Not -BeNullOrEmpty
        $metadata.tags -split ' ' | Should -Contain 'PSModule'
        $metadata.tags -split ' ' | Should -Contain 'PSCmdlet_Connect-XenPool'
        foreach ($file in 'XenHa.psd1', 'XenHa.dll', 'XenHa.Client.dll', 'XenHa.Format.ps1xml', 'en-US/XenHa.dll-Help.xml', 'en-US/about_XenHa.help.txt', '[Content_Types].xml', '_rels/.rels') {
            $entries | Should -Contain $file
        }
        $manifestTarget | Should -Be '/XenHa.nuspec' -Because 'the package relationship names the nuspec'
        @($entries | Where-Object { $_ -like 'simulator/*' }) | Should -Not -BeNullOrEmpty
        @($entries | Where-Object { $_ -match '\\' }) | Should -BeNullOrEmpty -Because 'zip entry names use forward slashes'
    }

    It 'imports by name from a module path in a fresh pwsh, with its help, and connects to its simulator' {
        $target = Join-Path $modules "XenHa/$version"
        [System.IO.Compression.ZipFile]::ExtractToDirectory($package, $target)
        $probe = Join-Path $modules 'probe.ps1'
        Set-Content -Path $probe -Encoding utf8 -Value @'
param([string] $Modules)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $Modules + [System.IO.Path]::PathSeparator + $env:PSModulePath
Import-Module XenHa
"base=$((Get-Module XenHa).ModuleBase)"
"synopsis=$((Get-Help Connect-XenPool).Synopsis)"
$sim = Start-XenSimulator -HostCount 2 -Preset pooled
try {
    $connection = Connect-XenPool -Server $sim.Url -Credential $sim.Credential
    "coordinator=$($connection.CoordinatorName) hosts=$(@(Get-XenHost).Count)"
    Disconnect-XenPool -All -Confirm:$false
}
finally {
    Stop-XenSimulator $sim
}
'@
        Push-Location $root
        try {
            $output = & dotnet pwsh -NoProfile -NonInteractive -File $probe -Modules $modules 2>&1 | Out-String
            $exit = $LASTEXITCODE
        }
        finally {
            Pop-Location
        }
        $exit | Should -Be 0 -Because $output
        $output | Should -Match ("base=" + [regex]::Escape((Resolve-Path $target).Path))
        $output | Should -Match 'synopsis=Logs into one or more'
        $output | Should -Match 'coordinator=xennode01 hosts=2'
    }
}

Describe 'The XenHaDsc package' {
    It 'holds the DSC module and depends on exactly this XenHa' {
        $metadata = $dscNuspec.package.metadata
        $metadata.id | Should -Be 'XenHaDsc'
        $metadata.version | Should -Be $version
        $metadata.dependencies.dependency.id | Should -Be 'XenHa'
        $metadata.dependencies.dependency.version | Should -Be "[$version]"
        $metadata.tags -split ' ' | Should -Contain 'PSIncludes_DscResource'
        $metadata.tags -split ' ' | Should -Contain 'PSDscResource_XenPool'
        foreach ($file in 'XenHaDsc.psd1', 'XenHaDsc.psm1', '[Content_Types].xml', '_rels/.rels') {
            $dscEntries | Should -Contain $file
        }
        $dscManifestTarget | Should -Be '/XenHaDsc.nuspec' -Because 'the package relationship names the nuspec'
        $entries | Should -Not -Contain 'XenHa.psm1' -Because 'the classes are not part of XenHa'
    }

    It 'installed next to XenHa, loads by name in a fresh pwsh and brings XenHa with it' {
        $target = Join-Path $modules "XenHaDsc/$version"
        [System.IO.Compression.ZipFile]::ExtractToDirectory($dscPackage, $target)
        if (-not (Test-Path (Join-Path $modules "XenHa/$version"))) {
            [System.IO.Compression.ZipFile]::ExtractToDirectory($package, (Join-Path $modules "XenHa/$version"))
        }
        $probe = Join-Path $modules 'probe-dsc.ps1'
        Set-Content -Path $probe -Encoding utf8 -Value @'
param([string] $Modules)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $Modules + [System.IO.Path]::PathSeparator + $env:PSModulePath
$dsc = Import-Module XenHaDsc -PassThru
"dsc=$($dsc.ModuleBase)"
"xenha=$((Get-Module XenHa).ModuleBase)"
"pool=$(& $dsc { [XenPool]::new().GetType().Name })"
'@
        $output = & dotnet pwsh -NoProfile -NonInteractive -File $probe -Modules $modules 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $output
        $output | Should -Match ('dsc=' + [regex]::Escape((Resolve-Path $target).Path))
        $output | Should -Match ('xenha=' + [regex]::Escape((Resolve-Path (Join-Path $modules "XenHa/$version")).Path))
        $output | Should -Match 'pool=XenPool'
    }
}
