BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    function Get-StandaloneState {
        # What each host says about its own pool, read with a fresh login per host (no XenHa connection kept).
        param([Parameter(Mandatory)] $Simulator, [int[]] $Index = (0..($Simulator.HostUrls.Count - 1)))
        foreach ($i in $Index) {
            $c = Connect-XenPool -Server $Simulator.HostUrls[$i] -Credential $Simulator.Credential
            try {
                $pool = Get-XenPool -Connection $c
                [pscustomobject]@{ Url = $Simulator.HostUrls[$i]; Coordinator = $c.Uri.ToString(); PoolName = $pool.Name; HostCount = $pool.HostCount }
            }
            finally { $c | Disconnect-XenPool -Confirm:$false }
        }
    }

    function Start-RunningVm {
        # A running guest VM on a standalone host, made with raw XenAPI calls.
        param([Parameter(Mandatory)] [string] $Url, [Parameter(Mandatory)] [pscredential] $Credential)
        $c = Connect-XenPool -Server $Url -Credential $Credential
        try {
            $template = (Invoke-XenApi VM.get_all_records -Connection $c).GetEnumerator() | Where-Object { $_.Value.is_a_template } | Select-Object -First 1
            $template | Should -Not -BeNullOrEmpty
            $vm = Invoke-XenApi VM.clone -ArgumentList $template.Key, 'busy-vm' -Connection $c
            Invoke-XenApi VM.set_is_a_template -ArgumentList $vm, $false -Connection $c
            Invoke-XenApi VM.start -ArgumentList $vm, $false, $false -Connection $c
        }
        finally { $c | Disconnect-XenPool -Confirm:$false }
    }
}

AfterAll {
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
}

Describe 'New-XenPool' {
    BeforeEach {
        $sim = Start-XenSimulator -HostCount 3 -Speed 20
        $members = $sim.HostUrls[1], $sim.HostUrls[2]
    }
    AfterEach {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false
        Stop-XenSimulator $sim
    }

    Context 'Three fresh hosts' {
        It 'joins the members to the coordinator and returns the connected pool' {
            $pool = New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $members -Credential $sim.Credential
            $pool | Should -BeOfType XenHa.Pool
            $pool.Name | Should -Be 'XenHA-Pool'
            $pool.Coordinator | Should -Be 'xennode01'
            $pool.HostCount | Should -Be 3
            (Get-XenConnection | Where-Object IsDefault).PoolName | Should -Be 'XenHA-Pool'
            $hosts = @(Get-XenHost -Connection $pool.Connection)
            $hosts | Should -HaveCount 3
            $hosts | ForEach-Object { $_.Enabled | Should -BeTrue; $_.Live | Should -BeTrue }
            $pool.Connection.Members | Should -HaveCount 3
        }

        It 'changes nothing when run again on the finished pool' {
            $first = New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $members -Credential $sim.Credential
            $verbose = $( $second = New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $members -Credential $sim.Credential -Verbose ) 4>&1
            $second.Uuid | Should -Be $first.Uuid
            $second.HostCount | Should -Be 3
            ($verbose -join "`n") | Should -Match 'nothing to do'
        }

        It 'joins only the missing member when one is already in' {
            New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $sim.HostUrls[1] -Credential $sim.Credential | Out-Null
            $pool = New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $members -Credential $sim.Credential
            $pool.HostCount | Should -Be 3
        }

        It 'changes nothing with -WhatIf' {
            New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $members -Credential $sim.Credential -WhatIf | Should -BeNullOrEmpty
            $state = @(Get-StandaloneState $sim)
            $state | Should -HaveCount 3
            $state | ForEach-Object { $_.HostCount | Should -Be 1; $_.PoolName | Should -Be '' }
        }
    }

    Context 'A check fails' {
        It 'reports wrong credentials and changes nothing' {
            $wrong = [pscredential]::new('root', (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))
            { New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $members -Credential $wrong -ErrorAction Stop } |
                Should -Throw -ErrorId 'SESSION_AUTHENTICATION_FAILED,XenHa.Commands.NewXenPoolCommand'
            Get-StandaloneState $sim | ForEach-Object { $_.HostCount | Should -Be 1; $_.PoolName | Should -Be '' }
        }

        It 'reports an unreachable member and changes nothing, not even the pool name' {
            $dead = "http://127.0.0.1:$(Get-ClosedLoopbackPort)/"
            { New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $sim.HostUrls[1], $dead -Credential $sim.Credential -ErrorAction Stop } |
                Should -Throw -ErrorId 'XenHaConnectionFailed,XenHa.Commands.NewXenPoolCommand'
            Get-StandaloneState $sim | ForEach-Object { $_.HostCount | Should -Be 1; $_.PoolName | Should -Be '' }
        }

        It 'refuses a member with running VMs before joining any host' {
            Start-RunningVm -Url $sim.HostUrls[2] -Credential $sim.Credential
            { New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $members -Credential $sim.Credential -ErrorAction Stop } |
                Should -Throw -ErrorId 'JOINING_HOST_CANNOT_HAVE_RUNNING_VMS,XenHa.Commands.NewXenPoolCommand'
            Get-StandaloneState $sim | ForEach-Object { $_.HostCount | Should -Be 1; $_.PoolName | Should -Be '' }
        }

        It 'ends with one terminating summary error after listing every problem' {
            Start-RunningVm -Url $sim.HostUrls[2] -Credential $sim.Credential
            $dead = "http://127.0.0.1:$(Get-ClosedLoopbackPort)/"
            $thrown = $null
            try { New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $sim.HostUrls[1], $sim.HostUrls[2], $dead -Credential $sim.Credential -ErrorVariable problems -ErrorAction SilentlyContinue }
            catch { $thrown = $_ }
            $thrown.FullyQualifiedErrorId | Should -Be 'XenHaPoolPreconditionFailed,XenHa.Commands.NewXenPoolCommand'
            $errors = $problems
            $ids = @($errors | ForEach-Object { $_.FullyQualifiedErrorId })
            $ids | Should -Contain 'JOINING_HOST_CANNOT_HAVE_RUNNING_VMS,XenHa.Commands.NewXenPoolCommand'
            $ids | Should -Contain 'XenHaConnectionFailed,XenHa.Commands.NewXenPoolCommand'
            Get-StandaloneState $sim | ForEach-Object { $_.HostCount | Should -Be 1 }
        }

        It 'refuses a member that is in a different pool before changing anything' {
            New-XenPool -Name 'Other' -Coordinator $sim.HostUrls[1] -Member $sim.HostUrls[2] -Credential $sim.Credential | Out-Null
            { New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $sim.HostUrls[2] -Credential $sim.Credential -ErrorAction Stop } |
                Should -Throw -ErrorId 'XenHaHostInAnotherPool,XenHa.Commands.NewXenPoolCommand'
            { New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $sim.HostUrls[1] -Credential $sim.Credential -ErrorAction Stop } |
                Should -Throw -ErrorId 'JOINING_HOST_CANNOT_BE_MASTER_OF_OTHER_HOSTS,XenHa.Commands.NewXenPoolCommand'
            $state = @(Get-StandaloneState $sim -Index 0)
            $state[0].HostCount | Should -Be 1
            $state[0].PoolName | Should -Be ''
            (Get-StandaloneState $sim -Index 1)[0].HostCount | Should -Be 2
        }
    }
}

Describe 'Add-XenPoolMember' {
    BeforeEach {
        $sim = Start-XenSimulator -HostCount 3 -Speed 20
        $pool = New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $sim.HostUrls[1] -Credential $sim.Credential
    }
    AfterEach {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false
        Stop-XenSimulator $sim
    }

    It 'joins another host and returns it with -PassThru' {
        $added = @(Add-XenPoolMember -Server $sim.HostUrls[2] -Credential $sim.Credential -PassThru)
        $added | Should -HaveCount 1
        $added[0] | Should -BeOfType XenHa.Host
        $added[0].Name | Should -Be 'xennode03'
        $added[0].Live | Should -BeTrue
        (Get-XenPool).HostCount | Should -Be 3
    }

    It 'skips hosts that are already members and takes servers from the pipeline' {
        $sim.HostUrls[1], $sim.HostUrls[2] | Add-XenPoolMember -Credential $sim.Credential -Pool $pool
        (Get-XenPool).HostCount | Should -Be 3
    }

    It 'changes nothing with -WhatIf' {
        Add-XenPoolMember -Server $sim.HostUrls[2] -Credential $sim.Credential -WhatIf
        (Get-XenPool).HostCount | Should -Be 2
        (Get-StandaloneState $sim -Index 2)[0].HostCount | Should -Be 1
    }

    It 'refuses a host with running VMs and changes nothing' {
        Start-RunningVm -Url $sim.HostUrls[2] -Credential $sim.Credential
        { Add-XenPoolMember -Server $sim.HostUrls[2] -Credential $sim.Credential -ErrorAction Stop } |
            Should -Throw -ErrorId 'JOINING_HOST_CANNOT_HAVE_RUNNING_VMS,XenHa.Commands.AddXenPoolMemberCommand'
        (Get-XenPool).HostCount | Should -Be 2
    }
}

Describe 'Remove-XenPoolMember' {
    BeforeEach {
        $sim = Start-XenSimulator -HostCount 3 -Speed 20
        $pool = New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $sim.HostUrls[1], $sim.HostUrls[2] -Credential $sim.Credential
    }
    AfterEach {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false
        Stop-XenSimulator $sim
    }

    It 'ejects a member, which comes back as a standalone host' {
        Remove-XenPoolMember -Name xennode03 -Confirm:$false
        @(Get-XenHost).Name | Sort-Object | Should -Be @('xennode01', 'xennode02')
        $deadline = (Get-Date).AddSeconds(30)
        do {
            $state = Get-StandaloneState $sim -Index 2 -ErrorAction SilentlyContinue
            if ($state -and $state.HostCount -eq 1) { break }
            Start-Sleep -Milliseconds 200
        } while ((Get-Date) -lt $deadline)
        $state.HostCount | Should -Be 1
    }

    It 'takes host objects from Get-XenHost' {
        Get-XenHost xennode02 | Remove-XenPoolMember -Confirm:$false
        @(Get-XenHost).Name | Should -Not -Contain 'xennode02'
    }

    It 'refuses the coordinator with a XenHa error and ejects nothing' {
        { Remove-XenPoolMember -Name xennode01 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaCannotEjectCoordinator,XenHa.Commands.RemoveXenPoolMemberCommand'
        (Get-XenPool).HostCount | Should -Be 3
        (Get-XenPool).Coordinator | Should -Be 'xennode01'
    }

    It 'reports a host that is not in the pool' {
        { Remove-XenPoolMember -Name xennode99 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaHostNotFound,XenHa.Commands.RemoveXenPoolMemberCommand'
    }

    It 'changes nothing with -WhatIf' {
        Remove-XenPoolMember -Name xennode03 -WhatIf
        (Get-XenPool).HostCount | Should -Be 3
    }

    It 'is ConfirmImpact High' {
        (Get-Command Remove-XenPoolMember).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact |
            Should -Be 'High'
    }
}

Describe 'Set-XenPool' {
    BeforeAll {
        $sim = Start-XenSimulator -HostCount 2 -Preset pooled
        $connection = Connect-XenPool -Server $sim.Url -Credential $sim.Credential
        $nfs = New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen
    }
    AfterAll {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false
        Stop-XenSimulator $sim
    }

    It 'renames the pool and sets its description' {
        $pool = Set-XenPool -Name 'Renamed' -Description 'Three hosts' -PassThru
        $pool.Name | Should -Be 'Renamed'
        $pool.Description | Should -Be 'Three hosts'
        (Get-XenConnection -Default).PoolName | Should -Be 'Renamed' -Because 'the connection shows the new name at once'
    }

    It 'sets the default, suspend-image and crash-dump SR together' {
        Set-XenPool -DefaultRepository 'NFS-SR'
        $record = (Get-XenPool).Record
        $record.DefaultSR.OpaqueRef | Should -Be $nfs.OpaqueRef
        $record.SuspendImageSR.OpaqueRef | Should -Be $nfs.OpaqueRef
        $record.CrashDumpSR.OpaqueRef | Should -Be $nfs.OpaqueRef
        (Get-XenRepository 'NFS-SR').IsDefault | Should -BeTrue
    }

    It 'takes a repository object or a UUID' {
        Set-XenPool -DefaultRepository $nfs.Uuid -PassThru | ForEach-Object DefaultRepository | Should -Be 'NFS-SR'
        Set-XenPool -DefaultRepository $nfs -PassThru | ForEach-Object DefaultRepository | Should -Be 'NFS-SR'
    }

    It 'changes nothing with -WhatIf' {
        $before = Get-XenPool
        Set-XenPool -Name 'Other name' -WhatIf
        (Get-XenPool).Name | Should -Be $before.Name
    }

    It 'reports an unknown repository and changes nothing' {
        $before = (Get-XenPool).Record
        { Set-XenPool -Name 'Not applied' -DefaultRepository 'no-such-sr' -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaRepositoryNotFound,XenHa.Commands.SetXenPoolCommand'
        (Get-XenPool).Name | Should -Be $before.NameLabel
    }
}
