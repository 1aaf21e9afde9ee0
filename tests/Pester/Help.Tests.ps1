# The compiled help (build.ps1 -Task Docs, also part of Build): what Get-Help shows in a fresh pwsh
# that imports the staged module, for every exported cmdlet and for about_XenHa; the pages' own
# completeness; and that the parameter drift check of Module.Tests.ps1 catches drift both ways.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $cmdlets = @(Get-Command -Module XenHa -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $docs = Join-Path $root 'docs/XenHa'
    Import-Module (Join-Path $root 'src/Help/XenHaHelp.psm1') -Force

    # One fresh pwsh reads the help of every cmdlet; the module is imported by path as a user would.
    $probe = Join-Path ([System.IO.Path]::GetTempPath()) "xenha-help-$PID.ps1"
    $resultFile = Join-Path ([System.IO.Path]::GetTempPath()) "xenha-help-$PID.json"
    Set-Content -Path $probe -Encoding utf8 -Value @'
param([string] $ModulePath, [string] $OutFile)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$commands = foreach ($command in (Get-Command -Module XenHa -CommandType Cmdlet)) {
    $help = Get-Help $command.Name -Full
    [pscustomobject]@{
        Name       = $command.Name
        Synopsis   = ([string] $help.Synopsis).Trim()
        Parameters = @($help.parameters.parameter | ForEach-Object { $_.name })
        Examples   = @($help.examples.example | ForEach-Object { $_.code })
        Text       = ($help | Out-String -Width 4000)
    }
}
[pscustomobject]@{ Commands = @($commands); About = (Get-Help about_XenHa | Out-String -Width 4000) } |
    ConvertTo-Json -Depth 4 | Set-Content -Path $OutFile -Encoding utf8
'@
    Push-Location $root
    try {
        $output = & dotnet pwsh -NoProfile -NonInteractive -File $probe -ModulePath $modulePath -OutFile $resultFile 2>&1 | Out-String
        $exit = $LASTEXITCODE
    }
    finally {
        Pop-Location
        Remove-Item $probe -ErrorAction SilentlyContinue
    }
    if ($exit -ne 0) { throw "The help probe failed (exit code $exit): $output" }
    $shown = Get-Content -Raw $resultFile | ConvertFrom-Json
    Remove-Item $resultFile
}

Describe 'about_XenHa' {
    It 'is shown by Get-Help about_XenHa in a fresh pwsh' {
        $shown.About | Should -Match 'about_XenHa'
        foreach ($topic in 'CONNECTIONS', 'CREDENTIALS AND CERTIFICATES', 'TASKS AND PROGRESS', 'HIGH AVAILABILITY', 'THE SIMULATOR', 'XENSERVERPSMODULE') {
            $shown.About | Should -Match ([regex]::Escape($topic))
        }
        $shown.About | Should -Match ([regex]::Escape('XenHa\Get-XenVM'))
    }
}

Describe 'Get-Help <Name> -Full' -ForEach $cmdlets {
    BeforeAll {
        $page = Read-XenHaHelpPage -Path (Join-Path $docs "$Name.md")
        $help = $shown.Commands | Where-Object Name -EQ $Name
        $synopsis = ($page.Synopsis | ForEach-Object Text) -join ' '
    }

    It 'shows the synopsis of the page, not the generated syntax stub' {
        $synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Be ($synopsis -replace '\*\*|`', '')
        $help.Synopsis | Should -Not -BeLike "$Name *"
    }

    It 'shows every parameter of the cmdlet, described' {
        $expected = @((Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.Cmdlet]::CommonParameters } | Sort-Object)
        @($help.Parameters | Sort-Object) | Should -Be $expected
        foreach ($parameter in $expected) {
            $help.Text | Should -Match "(?m)^\s+-$parameter\b"
        }
    }

    It 'shows every example of the page with its code' {
        @($help.Examples).Count | Should -Be $page.Examples.Count
        foreach ($example in $page.Examples) {
            $help.Text | Should -Match ([regex]::Escape($example.Title))
            $help.Examples | Should -Contain $example.Code
        }
    }

    It 'has a complete page: description, two explained examples or more, described parameters, inputs, outputs, notes, links' {
        $page.Description | Should -Not -BeNullOrEmpty
        $page.Examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $page.Examples) {
            $example.Code | Should -Not -BeNullOrEmpty -Because "$($example.Title) shows code"
            @($example.Remarks | Where-Object Kind -In 'Paragraph', 'Item') | Should -Not -BeNullOrEmpty -Because "$($example.Title) explains its code"
        }
        foreach ($parameter in $page.Parameters) { $parameter.Description | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name)" }
        $page.Inputs | Should -Not -BeNullOrEmpty
        $page.Outputs | Should -Not -BeNullOrEmpty
        $page.Notes | Should -Not -BeNullOrEmpty
        $page.Links | Should -Not -BeNullOrEmpty
    }

    It 'shows in its SYNTAX section each parameter set of the code with exactly its parameters' {
        $command = Get-Command $Name
        $common = [System.Management.Automation.Cmdlet]::CommonParameters
        $syntax = [ordered]@{}
        $inSyntax = $false; $set = $null
        foreach ($line in (Get-Content (Join-Path $docs "$Name.md"))) {
            if ($line -match '^## ') { $inSyntax = $line -eq '## SYNTAX'; continue }
            if (-not $inSyntax) { continue }
            if ($line -match '^### (.+)$') { $set = ($Matches[1] -replace ' \(Default\)$', '').Trim(); $syntax[$set] = ''; continue }
            if ($set -and $line -notmatch '^```') { $syntax[$set] += " $line" }
        }
        @($syntax.Keys | Sort-Object) | Should -Be @($command.ParameterSets.Name | Sort-Object)
        foreach ($parameterSet in $command.ParameterSets) {
            $expected = @($parameterSet.Parameters.Name | Where-Object { $_ -notin $common } | Sort-Object)
            $shown = @([regex]::Matches($syntax[$parameterSet.Name], '(?<=[\s\[])-(\w+)') | ForEach-Object { $_.Groups[1].Value } |
                Where-Object { $_ -ne 'CommonParameters' } | Sort-Object -Unique)
            $shown | Should -Be $expected -Because "the syntax of the set $($parameterSet.Name)"
        }
    }

    It 'documents which parameters accept wildcards exactly as the code declares' {
        $command = Get-Command $Name
        foreach ($parameter in $page.Parameters) {
            $declared = [bool] ($command.Parameters[$parameter.Name].Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            $parameter.SupportsWildcards | Should -Be $declared -Because "-$($parameter.Name)"
        }
    }
}

Describe 'The parameter drift check' {
    BeforeAll {
        $command = Get-Command Connect-XenPool
        $actual = @(Get-CodeParameter -Command $command | Format-ParameterFacts | Sort-Object)
        $source = Get-Content -Raw (Join-Path $docs 'Connect-XenPool.md')
        $doctored = Join-Path ([System.IO.Path]::GetTempPath()) "xenha-drift-$PID.md"
        function Get-DoctoredFacts([string] $Text) {
            Set-Content -Path $doctored -Value $Text -Encoding utf8
            @(Get-DocumentedParameter -Path $doctored | Format-ParameterFacts | Sort-Object)
        }
    }
    AfterAll { Remove-Item $doctored -ErrorAction SilentlyContinue }

    It 'agrees with the untouched page' {
        (Get-DoctoredFacts $source) -join "`n" | Should -Be ($actual -join "`n")
    }

    It 'fails when the code has a parameter the page does not document' {
        $withoutPort = [regex]::Replace($source, '(?s)### -Port\b.*?(?=### -)', '')
        $withoutPort | Should -Not -Match '### -Port'
        (Get-DoctoredFacts $withoutPort) -join "`n" | Should -Not -Be ($actual -join "`n")
    }

    It 'fails when the page documents a parameter the code does not have' {
        $section = [regex]::Match($source, '(?s)### -Port\b.*?(?=### -)').Value
        $extra = $source.Replace($section, $section + $section.Replace('### -Port', '### -Retries'))
        $extra | Should -Match '### -Retries'
        (Get-DoctoredFacts $extra) -join "`n" | Should -Not -Be ($actual -join "`n")
    }
}
