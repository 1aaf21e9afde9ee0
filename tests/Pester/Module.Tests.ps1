BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $cmdlets = @(Get-Command -Module XenHa -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $module = Get-Module XenHa
    $manifestPath = Join-Path $module.ModuleBase 'XenHa.psd1'
    $manifest = Import-PowerShellDataFile $manifestPath
    $docs = Join-Path $PSScriptRoot '../../docs/XenHa'
    $mutatingVerbs = 'New', 'Set', 'Remove', 'Add', 'Start', 'Stop', 'Restart', 'Suspend', 'Resume', 'Move',
        'Enable', 'Disable', 'Protect', 'Unprotect', 'Disconnect', 'Invoke', 'Export', 'Import', 'Clear', 'Reset', 'Repair'
}

Describe 'The XenHa module' {
    It 'has a valid manifest that loads on Windows PowerShell 5.1 and PowerShell 7' {
        $info = Test-ModuleManifest -Path $manifestPath
        $info.PowerShellVersion | Should -Be ([version] '5.1')
        $info.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
    }

    It 'has the manifest version as its assembly version' {
        $assembly = [XenHa.Connection].Assembly.GetName().Version
        $client = [XenHa.Client.XenSession].Assembly.GetName().Version
        $expected = [version] $manifest.ModuleVersion
        $assembly.ToString(3) | Should -Be $expected.ToString(3)
        $client.ToString(3) | Should -Be $expected.ToString(3)
    }

    It 'exports exactly the cmdlets the manifest lists, and the DLL has no others' {
        $inDll = [XenHa.Connection].Assembly.GetTypes() |
            Where-Object { $_.IsPublic -and $_.IsSubclassOf([System.Management.Automation.PSCmdlet]) -and -not $_.IsAbstract } |
            ForEach-Object { $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]; "$($a.VerbName)-$($a.NounName)" }
        @($inDll | Sort-Object) | Should -Be @($manifest.CmdletsToExport | Sort-Object)
        @((Get-Command -Module XenHa).Name | Sort-Object) | Should -Be @($manifest.CmdletsToExport | Sort-Object)
    }

    It 'ships a table view for every output type' {
        $formats = [xml] (Get-Content -Raw (Join-Path $module.ModuleBase 'XenHa.Format.ps1xml'))
        $viewed = $formats.Configuration.ViewDefinitions.View.ViewSelectedBy.TypeName
        $outputs = Get-Command -Module XenHa | ForEach-Object { $_.OutputType.Type } | Where-Object { $_ -and $_ -ne [void] -and $_ -ne [object] } |
            ForEach-Object FullName | Sort-Object -Unique
        $outputs | Should -Not -BeNullOrEmpty
        foreach ($type in $outputs) { $viewed | Should -Contain $type }
    }
}

Describe '<Name> follows the conventions' -ForEach $cmdlets {
    BeforeAll {
        $command = Get-Command $Name
        $type = $command.ImplementingType
        $attribute = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
    }

    It 'declares its output type' {
        $type.GetCustomAttributes([System.Management.Automation.OutputTypeAttribute], $false) | Should -Not -BeNullOrEmpty
    }

    It 'supports -WhatIf and -Confirm when it changes state' {
        if ($command.Verb -in $mutatingVerbs) {
            $attribute.SupportsShouldProcess | Should -BeTrue
        }
        else {
            $attribute.SupportsShouldProcess | Should -BeFalse
        }
    }

    It 'is a sealed class named after the cmdlet' {
        $type.IsSealed | Should -BeTrue
        $type.Name | Should -Be (($Name -replace '-', '') + 'Command')
    }

    It 'has a help page in docs/XenHa' {
        Join-Path $docs "$Name.md" | Should -Exist
    }

    It 'documents exactly the parameters it has (names, types, sets, positions, pipeline input)' {
        $documented = @(Get-DocumentedParameter -Path (Join-Path $docs "$Name.md") | Format-ParameterFacts | Sort-Object)
        $actual = @(Get-CodeParameter -Command $command | Format-ParameterFacts | Sort-Object)
        if (-not ($command.Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.Cmdlet]::CommonParameters })) {
            $documented | Should -BeNullOrEmpty -Because 'the cmdlet has only the common parameters'
            return
        }
        $actual | Should -Not -BeNullOrEmpty
        $documented | Should -Be $actual
    }
}
