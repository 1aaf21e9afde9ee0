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

    It 'Get-XenRepository | Get-XenVM gives the VMs with a disk on the piped repository, not a VM named after it' {
        @(Get-XenRepository 'NFS VM storage' | Get-XenVM -ErrorVariable errs).Name | Sort-Object | Should -Be @('debian', 'fedora')
        $errs | Should -BeNullOrEmpty
        Get-XenRepository 'ISO library' | Get-XenVM -ErrorVariable errs | Should -BeNullOrEmpty
        $errs | Should -BeNullOrEmpty -Because 'a repository without VM disks is an empty answer, not a missing VM'
        @(Get-XenRepository 'NFS VM storage' | Get-XenVM 'fed*').Name | Should -Be 'fedora' -Because '-Name still filters'
    }

    It 'Get-XenVM | Get-XenRepository gives the repositories the piped VM has disks on' {
        @(Get-XenVM fedora | Get-XenRepository -ErrorVariable errs).Name | Should -Be 'NFS VM storage'
        $errs | Should -BeNullOrEmpty
        @(Get-XenVM | Get-XenRepository).Name | Should -Be 'NFS VM storage' -Because 'each repository once'
    }

    It 'Get-XenHost | Get-XenRepository gives the repositories plugged on the piped host' {
        $repositories = @(Get-XenHost xennode02 | Get-XenRepository)
        $repositories.Name | Should -Contain 'NFS VM storage'
        $local = @($repositories | Where-Object Type -ne 'nfs' | Where-Object { -not $_.Shared })
        $local | Should -Not -BeNullOrEmpty
        foreach ($repository in $local) { $repository.Hosts | Should -Be @('xennode02') -Because "$($repository.Name) is another host's otherwise" }
        $others = @(Get-XenRepository | Where-Object { -not $_.Shared -and $_.Hosts -notcontains 'xennode02' })
        @($repositories.Uuid | Where-Object { $_ -in $others.Uuid }) | Should -BeNullOrEmpty
    }

    It 'Get-XenConnection | Get-Xen* reads the piped connection instead of looking its text up as a name' {
        @(Get-XenConnection | Get-XenVM -ErrorVariable errs).Name | Sort-Object | Should -Be @('debian', 'fedora')
        @(Get-XenConnection | Get-XenVM fedora -ErrorVariable +errs).Name | Should -Be 'fedora'
        @(Get-XenConnection | Get-XenHost -ErrorVariable +errs) | Should -HaveCount 3
        @(Get-XenConnection | Get-XenRepository -Shared -ErrorVariable +errs).Name | Sort-Object | Should -Be @('ISO library', 'NFS VM storage')
        @(Get-XenConnection | Get-XenNetwork -ErrorVariable +errs) | Should -Not -BeNullOrEmpty
        @(Get-XenConnection | Get-XenTemplate 'Debian Bookworm 12' -ErrorVariable +errs).Name | Should -Be 'Debian Bookworm 12'
        Invoke-XenApi task.create 'piping', 'a task to find' | Out-Null
        @(Get-XenConnection | Get-XenTask -ErrorVariable +errs).Name | Should -Contain 'piping'
        $errs | Should -BeNullOrEmpty
        # A literal name that is missing is still reported, for the piped connection.
        Get-XenConnection | Get-XenVM nosuchvm -ErrorAction SilentlyContinue -ErrorVariable missing
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'XenHaVmNotFound*'
        # A connection given as a name is refused, not looked up as "xenpool (127.0.0.1)".
        { Get-XenVM (Get-XenConnection) } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,XenHa.Commands.GetXenVMCommand'
    }

    It 'Get-XenNetwork | Get-XenVM gives the VMs with an interface on the piped network' {
        $network = Get-XenNetwork | Where-Object IsManagement
        @($network | Get-XenVM -ErrorVariable errs).Name | Sort-Object | Should -Be @('debian', 'fedora')
        $errs | Should -BeNullOrEmpty
    }

    It 'Get-XenPool | Get-XenHost gives the members of the piped pool' {
        @(Get-XenPool | Get-XenHost).Name | Sort-Object | Should -Be @('xennode01', 'xennode02', 'xennode03')
    }

    It 'Get-XenTemplate | New-XenVM creates from the piped template, and Get-XenVM | Export-XenVM -Path folder writes one file per VM' {
        $vm = Get-XenTemplate 'Debian Bookworm 12' | New-XenVM -Name 'piped01' -Repository 'NFS VM storage' -MemoryGB 1 -Confirm:$false
        $vm.Name | Should -Be 'piped01'
        (Get-XenRepository 'NFS VM storage' | Get-XenVM piped01).PowerState | Should -Be 'Halted'
        $folder = Join-Path $TestDrive 'exports'
        New-Item -ItemType Directory -Path $folder | Out-Null
        $export = @(Get-XenVM piped01 | Export-XenVM -Path $folder -Confirm:$false)
        $export.Path | Should -Be (Join-Path $folder 'piped01.xva')
        Test-Path (Join-Path $folder 'piped01.xva') | Should -BeTrue
        Get-XenVM piped01 | Remove-XenVM -Confirm:$false
        Get-XenVM 'piped*' | Should -BeNullOrEmpty
    }

    It 'Get-XenRepository | Get-XenHost gives the hosts the piped repository is plugged on' {
        @(Get-XenRepository 'NFS VM storage' | Get-XenHost -ErrorVariable errs).Name | Sort-Object | Should -Be @('xennode01', 'xennode02', 'xennode03')
        $errs | Should -BeNullOrEmpty
        $local = Get-XenHost xennode03 | Get-XenRepository | Where-Object { -not $_.Shared } | Select-Object -First 1
        @($local | Get-XenHost).Name | Should -Be 'xennode03' -Because 'local storage is plugged on its own host only'
    }

    It 'Get-XenVM | Get-XenNetwork and Get-XenHost | Get-XenNetwork give the networks the piped objects are on' {
        $management = Get-XenNetwork | Where-Object IsManagement
        @(Get-XenVM fedora | Get-XenNetwork -ErrorVariable errs).Uuid | Should -Be $management.Uuid
        @(Get-XenHost xennode02 | Get-XenNetwork -ErrorVariable +errs).Uuid | Should -Contain $management.Uuid
        $errs | Should -BeNullOrEmpty
        $private = @(Get-XenNetwork | Where-Object HostCount -eq 0)
        foreach ($network in $private) { @(Get-XenHost xennode02 | Get-XenNetwork).Uuid | Should -Not -Contain $network.Uuid }
    }
}
