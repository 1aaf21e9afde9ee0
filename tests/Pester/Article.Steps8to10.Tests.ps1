# Article steps 8-10 as acceptance scenarios: pull the power on the host running the VMs; without HA
# recover them with Repair-XenPool (step 9); with HA they restart elsewhere by themselves, in order
# (step 10). Power loss comes from the simulator's control plane; the simulated clock runs fast.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'HaCommon.ps1')

    function New-ArticleVMs {
        # The article's Fedora and Windows XP VMs, on the shared store, no home server, running on xennode02.
        New-RunningVM -Name 'fedora' -On xennode02 | Out-Null
        New-RunningVM -Name 'winxp' -On xennode02 | Out-Null
        (Get-XenHost xennode02 | Get-XenVM).Name | Sort-Object | Should -Be @('fedora', 'winxp')
    }
}

Describe 'Article steps 8-9: ungraceful test on the free edition (no HA)' {
    BeforeAll {
        Start-HaPool
        New-ArticleVMs
        Stop-XenSimulatorHost -Simulator $script:sim -Name xennode02 -Confirm:$false
        Wait-Until { -not (Get-XenHost xennode02).Live } | Should -BeTrue
    }
    AfterAll { Stop-HaPool }

    It 'shows the host not live and its VMs still Running there (xe host-list; xe vm-list resident-on=...)' {
        (Get-XenHost xennode02).Live | Should -BeFalse
        $stuck = Get-XenVM fedora, winxp
        $stuck.PowerState | Should -Be @('Running', 'Running')
        $stuck.Host | Should -Be @('xennode02', 'xennode02')
        (Get-XenHa).Drift -join "`n" | Should -Match "xennode02' is not live"
    }

    It 'cannot start the VMs elsewhere before the host is declared dead' {
        { Start-XenVM fedora -Host xennode01 -Confirm:$false -ErrorAction Stop } | Should -Throw
        (Get-XenVM fedora).Host | Should -Be 'xennode02'
    }

    It 'brings both VMs back on surviving hosts with Repair-XenPool' {
        $results = Repair-XenPool -IncludeUnprotected -Confirm:$false
        $results | Should -HaveCount 2
        foreach ($result in $results) {
            $result.Outcome | Should -Be 'Restarted'
            $result.FromHost | Should -Be 'xennode02'
        }
        $vms = Get-XenVM fedora, winxp
        $vms.PowerState | Should -Be @('Running', 'Running')
        foreach ($vm in $vms) { $vm.Host | Should -BeIn @('xennode01', 'xennode03') }
    }
}

Describe 'Article step 10: automatic HA restarts the protected VMs elsewhere, in order' {
    BeforeAll {
        Start-HaPool
        New-ArticleVMs
        New-RunningVM -Name 'scratch' -On xennode02 | Out-Null
        Protect-XenVM fedora -Priority Restart -Order 1 -StartDelaySeconds 5 -Confirm:$false
        Protect-XenVM winxp -Priority Restart -Order 2 -Confirm:$false
        $script:enabled = Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 1 -Confirm:$false
        Stop-XenSimulatorHost -Simulator $script:sim -Name xennode02 -Confirm:$false
        $script:restarted = Wait-Until -TimeoutSeconds 120 {
            $vms = Get-XenVM fedora, winxp
            @($vms | Where-Object { $_.PowerState -eq 'Running' -and $_.Host -ne 'xennode02' }).Count -eq 2
        }
    }
    AfterAll { Stop-HaPool }

    It 'had HA on with a plan for one failure before the power loss' {
        $script:enabled.Enabled | Should -BeTrue
        $script:enabled.PlanExistsFor | Should -Be 1
        $script:enabled.ProtectedVMs | Should -Be @('fedora', 'winxp')
    }

    It 'restarts both protected VMs on surviving hosts' {
        $script:restarted | Should -BeTrue
        foreach ($vm in Get-XenVM fedora, winxp) {
            $vm.PowerState | Should -Be 'Running'
            $vm.Host | Should -BeIn @('xennode01', 'xennode03')
        }
    }

    It 'starts them in order: fedora (order 1) before winxp (order 2)' {
        $metrics = Invoke-XenApi VM_metrics.get_all_records
        $start = @{}
        foreach ($vm in Get-XenVM fedora, winxp) { $start[$vm.Name] = $metrics[$vm.Record.Metrics.OpaqueRef].start_time }
        $start.fedora | Should -Not -BeNullOrEmpty
        $start.fedora | Should -BeLessThan $start.winxp
    }

    It 'leaves the unprotected VM halted, and Get-XenHa shows the dead host' {
        (Get-XenVM scratch).PowerState | Should -Be 'Halted'
        $status = Get-XenHa
        ($status.Hosts | Where-Object Name -eq 'xennode02').Live | Should -BeFalse
    }

    It 'leaves nothing for Repair-XenPool to do: HA is on' {
        { Repair-XenPool -Confirm:$false } | Should -Throw -ErrorId 'XenHaHaEnabled,XenHa.Commands.RepairXenPoolCommand'
    }
}
