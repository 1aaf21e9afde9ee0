BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $sim = Start-XenSimulator -HostCount 3 -Preset pooled-with-vms
    $connection = Connect-XenPool -Server $sim.Url -Credential $sim.Credential
    $raw = @(Get-RawVmRecord -Connection $connection)
}

AfterAll {
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    if ($sim) { Stop-XenSimulator $sim }
}

Describe 'Get-XenPool' {
    It 'returns the pool with its coordinator and members' {
        $pool = Get-XenPool
        $pool | Should -BeOfType XenHa.Pool
        $pool.Name | Should -Not -BeNullOrEmpty
        $pool.Coordinator | Should -Be 'xennode01'
        $pool.HostCount | Should -Be 3
        $pool.HaEnabled | Should -BeFalse
        $pool.OpaqueRef | Should -Match '^OpaqueRef:'
        $pool.Connection.Id | Should -Be $connection.Id
    }

    It 'gets the pool of hosts piped in, once' {
        @(Get-XenHost | Get-XenPool) | Should -HaveCount 1
    }

    It 'filters by wildcard silently' {
        @(Get-XenPool -Name 'no-such-pool*') | Should -HaveCount 0
    }

    It 'reports a literal name that matches nothing' {
        { Get-XenPool -Name 'no-such-pool' -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaPoolNotFound,XenHa.Commands.GetXenPoolCommand'
    }
}

Describe 'Get-XenHost' {
    It 'lists every member by name with state and memory' {
        $hosts = @(Get-XenHost)
        $hosts | Should -HaveCount 3
        $hosts.Name | Sort-Object | Should -Be @('xennode01', 'xennode02', 'xennode03')
        $hosts | ForEach-Object {
            $_ | Should -BeOfType XenHa.Host
            $_.Live | Should -BeTrue
            $_.Enabled | Should -BeTrue
            $_.MemoryTotalGB | Should -BeGreaterThan 0
            $_.MemoryFreeGB | Should -BeLessThan $_.MemoryTotalGB
            $_.Address | Should -Match '^127\.'
        }
        @($hosts | Where-Object IsCoordinator) | Should -HaveCount 1
        ($hosts | Where-Object IsCoordinator).Name | Should -Be 'xennode01'
    }

    It 'counts the guest VMs resident on each host' {
        $running = $raw | Where-Object { -not $_.is_a_template -and -not $_.is_control_domain -and $_.power_state -eq 'Running' }
        $running | Should -Not -BeNullOrEmpty
        ((Get-XenHost).VMCount | Measure-Object -Sum).Sum | Should -Be @($running).Count
    }

    It 'filters by wildcard and by uuid' {
        (Get-XenHost -Name 'xennode0[12]').Name | Sort-Object | Should -Be @('xennode01', 'xennode02')
        $one = Get-XenHost xennode03
        (Get-XenHost -Uuid $one.Uuid).Name | Should -Be 'xennode03'
    }

    It 'takes names from the pipeline' {
        @('xennode01', 'xennode02' | Get-XenHost) | Should -HaveCount 2
    }

    It 'gets the members of pools piped from Get-XenPool' {
        @(Get-XenPool | Get-XenHost) | Should -HaveCount 3
    }

    It 'gets the hosts of VMs piped from Get-XenVM' {
        $running = @(Get-XenVM -PowerState Running)
        $running | Should -Not -BeNullOrEmpty
        $hosts = @($running | Get-XenHost)
        $hosts.Name | Sort-Object | Should -Be @($running.Host | Sort-Object -Unique)
        @(Get-XenVM -PowerState Halted | Get-XenHost) | Should -HaveCount 0
    }

    It 'reports a literal name or uuid that matches nothing' {
        { Get-XenHost -Name 'xennode99' -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaHostNotFound,XenHa.Commands.GetXenHostCommand'
        { Get-XenHost -Uuid ([guid]::NewGuid()) -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaHostNotFound,XenHa.Commands.GetXenHostCommand'
    }
}

Describe 'Get-XenVM' {
    It 'lists guest VMs without templates or control domains' {
        $vms = @(Get-XenVM)
        $expected = @($raw | Where-Object { -not $_.is_a_template -and -not $_.is_control_domain })
        $expected | Should -Not -BeNullOrEmpty
        $vms | Should -HaveCount $expected.Count
        $vms | ForEach-Object {
            $_ | Should -BeOfType XenHa.Vm
            $_.IsTemplate | Should -BeFalse
            $_.IsControlDomain | Should -BeFalse
            $_.OpaqueRef | Should -Match '^OpaqueRef:'
        }
    }

    It 'stops its read when the pipeline wants no more, and the next listing is whole' {
        # VMs are written while the answer is still being decoded; Select-Object -First stops the rest.
        $all = @(Get-XenVM)
        $all.Count | Should -BeGreaterThan 2
        @(Get-XenVM | Select-Object -First 2) | Should -HaveCount 2
        @(Get-XenVM).Uuid | Sort-Object | Should -Be ($all.Uuid | Sort-Object)
    }

    It 'names the host a running VM is on instead of showing a reference' {
        $running = @(Get-XenVM -PowerState Running)
        $running | Should -Not -BeNullOrEmpty
        $running.Host | ForEach-Object { $_ | Should -Match '^xennode0\d$' }
        @(Get-XenVM -PowerState Halted).Host | ForEach-Object { $_ | Should -Be '' }
    }

    It 'shows the guest tools state' {
        $withTools = @(Get-XenVM -PowerState Running | Where-Object ToolsStatus -eq 'Optimized')
        $withTools | Should -Not -BeNullOrEmpty
        $withTools | ForEach-Object { $_.ToolsVersion | Should -Match '^\d+\.\d+' }
        @(Get-XenVM -PowerState Halted).ToolsStatus | ForEach-Object { $_ | Should -Be 'Unknown' }
    }

    It 'includes templates and control domains when asked' {
        $templates = @(Get-XenVM -IncludeTemplate | Where-Object IsTemplate)
        $templates | Should -Not -BeNullOrEmpty
        @(Get-XenVM -IncludeControlDomain | Where-Object IsControlDomain) | Should -HaveCount 3
    }

    It 'filters by power state' {
        $halted = @(Get-XenVM -PowerState Halted)
        $halted | Should -Not -BeNullOrEmpty
        $halted.PowerState | ForEach-Object { $_ | Should -Be 'Halted' }
    }

    It 'gets the VMs of hosts piped from Get-XenHost' {
        $onFirst = @(Get-XenHost xennode01 | Get-XenVM)
        $onFirst | Should -Not -BeNullOrEmpty
        $onFirst.Host | ForEach-Object { $_ | Should -Be 'xennode01' }
        $expected = @($raw | Where-Object { -not $_.is_control_domain -and $_.resident_on -eq (Get-XenHost xennode01).OpaqueRef })
        $onFirst | Should -HaveCount $expected.Count
    }

    It 'gets the VMs of pools piped from Get-XenPool' {
        @(Get-XenPool | Get-XenVM) | Should -HaveCount @(Get-XenVM).Count
        @(Get-XenPool | Get-XenVM -Name 'no-such-vm*') | Should -HaveCount 0
    }

    It 'finds VMs by name, wildcard, uuid and pipeline' {
        $any = (Get-XenVM)[0]
        (Get-XenVM -Name $any.Name).Uuid | Should -Be $any.Uuid
        (Get-XenVM -Uuid $any.Uuid).Name | Should -Be $any.Name
        @($any.Name | Get-XenVM) | Should -HaveCount 1
        @(Get-XenVM -Name '*') | Should -HaveCount @(Get-XenVM).Count
        @(Get-XenVM -Name 'no-such-vm*') | Should -HaveCount 0
    }

    It 'reports a literal name that matches nothing' {
        { Get-XenVM -Name 'no-such-vm' -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaVmNotFound,XenHa.Commands.GetXenVMCommand'
    }

    It 'fails with XenHaNotConnected without a connection' {
        try {
            Get-XenConnection | Disconnect-XenPool -Confirm:$false
            { Get-XenVM -ErrorAction Stop } | Should -Throw -ErrorId 'XenHaNotConnected,XenHa.Commands.GetXenVMCommand'
        }
        finally {
            $script:connection = Connect-XenPool -Server $sim.Url -Credential $sim.Credential
        }
    }
}
