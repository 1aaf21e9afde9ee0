# Piping across nouns (issue 6), the way an admin would try it at the prompt.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $sim = Start-XenSimulator -HostCount 3 -Preset pooled -Speed 50
    Connect-XenPool -Server $sim.Url -Credential $sim.Credential | Out-Null
    New-XenNfsRepository -Name 'NFS VM storage' -Server nas01 -Path /export/xen -Confirm:$false | Out-Null
    $isoUser = [pscredential]::new('isouser', (ConvertTo-SecureString 'isopass' -AsPlainText -Force))
    New-XenIsoLibrary -Name 'ISO library' -Location '//192.0.2.30/isos' -Credential $isoUser -Confirm:$false | Out-Null
    New-XenVM -Name 'fedora' -Template 'Fedora Linux' -Repository 'NFS VM storage' -MemoryGB 2 -Confirm:$false | Out-Null
    New-XenVM -Name 'debian' -Template 'Debian Bookworm 12' -Repository 'NFS VM storage' -MemoryGB 1 -Confirm:$false | Out-Null
    Start-XenVM -Name 'fedora', 'debian' -Host xennode02 -Confirm:$false
}

AfterAll {
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    Stop-XenSimulator $sim
}

Describe 'Piping across nouns' {
    It 'Get-XenHost | Get-XenVM gives the VMs of the piped hosts only' {
        @(Get-XenHost xennode02 | Get-XenVM).Name | Sort-Object | Should -Be @('debian', 'fedora')
        Get-XenHost xennode03 | Get-XenVM | Should -BeNullOrEmpty
        @(Get-XenHost | Get-XenVM) | Should -HaveCount 2 -Because 'every host piped, each VM once'
    }

    It 'Get-XenVM | Move-XenVM moves the piped VMs live' {
        Get-XenVM fedora | Move-XenVM -Destination xennode03 -Confirm:$false
        (Get-XenVM fedora).Host | Should -Be 'xennode03'
        (Get-XenVM debian).Host | Should -Be 'xennode02' -Because 'only the piped VM moves'
    }

    It 'Get-XenHost | Get-XenVM | Move-XenVM empties a host' {
        Get-XenHost xennode02 | Get-XenVM | Move-XenVM -Destination xennode01 -Confirm:$false
        Get-XenHost xennode02 | Get-XenVM | Should -BeNullOrEmpty
        (Get-XenVM debian).Host | Should -Be 'xennode01'
    }

    It 'Get-XenRepository | Remove-XenRepository -WhatIf says what it would remove and removes nothing' {
        $before = @(Get-XenRepository -Shared).Uuid | Sort-Object
        # -WhatIf writes to the host, which a transcript records.
        $transcript = Join-Path $TestDrive 'whatif.txt'
        Start-Transcript -Path $transcript | Out-Null
        try { Get-XenRepository 'ISO library' | Remove-XenRepository -WhatIf }
        finally { Stop-Transcript | Out-Null }
        Get-Content -Raw $transcript | Should -Match 'What if: .*Destroy storage repository.* on target "ISO library'
        # The repository the running VMs use is refused before anything, -WhatIf or not.
        Get-XenRepository 'NFS VM storage' | Remove-XenRepository -WhatIf -ErrorAction SilentlyContinue -ErrorVariable inUse
        $inUse[0].FullyQualifiedErrorId | Should -BeLike 'XenHaRepositoryInUse*'
        @(Get-XenRepository -Shared).Uuid | Sort-Object | Should -Be $before
    }

    It 'Get-XenVM | Protect-XenVM protects every piped VM, and Unprotect-XenVM takes them back' {
        Get-XenVM | Protect-XenVM -Priority Restart -Order 1 -Confirm:$false
        (Get-XenVM).HaRestartPriority | Should -Be @('restart', 'restart')
        $passed = @(Get-XenVM fedora | Protect-XenVM -Priority BestEffort -PassThru -Confirm:$false)
        $passed.Name | Should -Be 'fedora'
        $passed.HaRestartPriority | Should -Be 'best-effort'
        Get-XenVM | Unprotect-XenVM -Confirm:$false
        (Get-XenVM).HaRestartPriority | Should -Be @('', '')
    }
}
