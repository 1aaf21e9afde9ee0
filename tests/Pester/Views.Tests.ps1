# Views (issue 6): a table view for every public output type, list views where a table cannot say
# enough, and Format-Table / Format-List of real objects using them.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $outputTypes = @(Get-Command -Module XenHa | ForEach-Object { $_.OutputType.Type } |
            Where-Object { $_ -and $_ -ne [void] -and $_ -ne [object] } | ForEach-Object FullName | Sort-Object -Unique |
            ForEach-Object { @{ TypeName = $_ } })
    $listTypes = @('XenHa.Vm', 'XenHa.Host', 'XenHa.Pool', 'XenHa.HaStatus', 'XenHa.Repository' | ForEach-Object { @{ TypeName = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    function Get-View([string] $TypeName, [string] $Control) {
        @(Get-FormatData -TypeName $TypeName -PowerShellVersion $PSVersionTable.PSVersion).FormatViewDefinition |
            Where-Object { $_.Control.GetType().Name -eq $Control }
    }
}

Describe 'Format views' {
    It '<TypeName> has a table view that fits 80 columns' -ForEach $outputTypes {
        $table = @(Get-View $TypeName 'TableControl')
        $table | Should -HaveCount 1
        $widths = $table[0].Control.Headers | ForEach-Object Width
        # Fixed columns plus one space between columns leave room for a last, free column.
        (($widths | Measure-Object -Sum).Sum + $widths.Count - 1) | Should -BeLessOrEqual 80
    }

    It '<TypeName> has a list view' -ForEach $listTypes {
        Get-View $TypeName 'ListControl' | Should -HaveCount 1
    }
}

Describe 'Views of real objects' {
    BeforeAll {
        $sim = Start-XenSimulator -HostCount 3 -Preset pooled -Speed 50
        Connect-XenPool -Server $sim.Url -Credential $sim.Credential | Out-Null
        New-XenNfsRepository -Name 'NFS VM storage' -Server nas01 -Path /export/xen -Confirm:$false | Out-Null
        New-XenVM -Name 'fedora' -Template 'Fedora Linux' -Repository 'NFS VM storage' -MemoryGB 2 -Start -Confirm:$false | Out-Null
        New-XenVM -Name 'win xp' -Template 'Windows XP SP3 (32-bit)' -Repository 'NFS VM storage' -MemoryGB 1 -Start -Confirm:$false | Out-Null
        Get-XenVM fedora | Protect-XenVM -Priority Restart -Order 2 -StartDelaySeconds 5 -Confirm:$false
    }
    AfterAll {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false
        Stop-XenSimulator $sim
    }

    It 'Get-XenVM | Format-List uses the XenHa list view' {
        $text = Get-XenVM fedora | Format-List | Out-String -Width 80
        $text | Should -Match 'HaRestart\s+: Restart, order 2, start delay 5 s'
        $text | Should -Match 'Affinity\s+: \(none: agile\)'
        $text | Should -Match 'Tools\s+: '
        $text | Should -Not -Match 'Record\s+:' -Because 'the default list would show every property, the raw record too'
        $text | Should -Not -Match 'OpaqueRef\s+:'
    }

    It 'Format-List of a host, the pool, HA and a repository shows the summary lines' {
        (Get-XenHost | Select-Object -First 1 | Format-List | Out-String) | Should -Match 'Memory\s+: [\d.]+ GB free of [\d.]+ GB'
        (Get-XenPool | Format-List | Out-String) | Should -Match 'HA\s+: Disabled'
        (Get-XenHa | Format-List | Out-String) | Should -Match 'Protected\s+: 1: fedora'
        $repository = Get-XenRepository 'NFS VM storage' | Format-List | Out-String
        $repository | Should -Match 'Attached\s+: 3/3: '
        $repository | Should -Match 'DeviceConfig\s+: .*serverpath=/export/xen'
    }

    It 'Format-Table of VMs fits 80 columns and shows the tools state in full' {
        $lines = Get-XenVM | Format-Table | Out-String -Width 200 -Stream | Where-Object { $_ }
        $lines | Should -Not -BeNullOrEmpty
        foreach ($line in $lines) { $line.TrimEnd().Length | Should -BeLessOrEqual 80 }
        ($lines -join "`n") | Should -Match 'win xp .* NotInstalled'
        ($lines -join "`n") | Should -Not -Match '…'
    }
}
