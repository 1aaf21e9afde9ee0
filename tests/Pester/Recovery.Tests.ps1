# Repair-XenPool (issue 5, article step 9): the guided dead-host recovery for pools WITHOUT HA. Power loss
# and partitions come from the simulator's control plane; the clock runs fast so a host is marked not
# live within seconds. Each Describe starts its own simulator; each It creates its VMs and its fault.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'HaCommon.ps1')

    function Stop-SimHost([string] $Name) {
        Stop-XenSimulatorHost -Simulator $script:sim -Name $Name -Confirm:$false
        Wait-Until { -not (Get-XenHost $Name).Live } | Should -BeTrue -Because "$Name should leave the live set after its timeout"
    }

    function Restore-SimHosts {
        # Power everything back on, heal partitions, and wait until every host is live again.
        $state = @(Get-XenSimulatorState -Simulator $script:sim)
        $off = @($state | Where-Object Power -ne 'On')
        if ($off) { Start-XenSimulatorHost -Simulator $script:sim -Name $off.Name -Confirm:$false }
        Get-XenSimulatorFault -Simulator $script:sim -Kind Partition | Remove-XenSimulatorFault -Confirm:$false
        Wait-Until { -not (Get-XenHost | Where-Object { -not $_.Live }) } | Should -BeTrue
        foreach ($h in Get-XenHost | Where-Object { -not $_.Enabled }) { Invoke-XenApi host.enable -ArgumentList $h -Confirm:$false | Out-Null }
        Get-XenVM | Where-Object PowerState -ne 'Halted' | Stop-XenVM -Force -Confirm:$false -ErrorAction SilentlyContinue
        Get-XenVM | Remove-XenVM -Confirm:$false -ErrorAction SilentlyContinue
    }
}

Describe 'Repair-XenPool' {
    BeforeAll { Start-HaPool }
    AfterAll { Stop-HaPool }
    AfterEach { Restore-SimHosts }

    Context 'A host lost its power' {
        It 'declares it dead and restarts its VMs on survivors, protected first, in order' {
            New-RunningVM -Name 'rec-b' | Protect-XenVM -Priority BestEffort -Confirm:$false
            New-RunningVM -Name 'rec-r2' | Protect-XenVM -Priority Restart -Order 2 -Confirm:$false
            New-RunningVM -Name 'rec-r1' | Protect-XenVM -Priority Restart -Order 1 -Confirm:$false
            New-RunningVM -Name 'rec-u' | Out-Null
            Stop-SimHost xennode02
            (Get-XenVM 'rec-r1').PowerState | Should -Be 'Running' -Because 'without HA the VMs stay Running on the dead host'

            $results = Repair-XenPool -Confirm:$false
            $results | Should -Not -BeNullOrEmpty
            $results.VM | Should -Be @('rec-r1', 'rec-r2', 'rec-b', 'rec-u')
            foreach ($result in $results | Where-Object Priority) {
                $result.Outcome | Should -Be 'Restarted'
                $result.FromHost | Should -Be 'xennode02'
                $result.ToHost | Should -BeIn @('xennode01', 'xennode03')
                (Get-XenVM $result.VM).Host | Should -Be $result.ToHost
            }
            $skipped = $results | Where-Object VM -eq 'rec-u'
            $skipped.Outcome | Should -Be 'Skipped'
            (Get-XenVM 'rec-u').PowerState | Should -Be 'Halted'
            (Get-XenHost xennode02).Enabled | Should -BeFalse -Because 'host.declare_dead disables the host'
        }

        It 'restarts unprotected VMs too with -IncludeUnprotected' {
            New-RunningVM -Name 'rec-u1' | Out-Null
            New-RunningVM -Name 'rec-u2' | Out-Null
            Stop-SimHost xennode02
            $results = Repair-XenPool -Host xennode02 -IncludeUnprotected -Confirm:$false
            $results | Should -HaveCount 2
            $results.Outcome | Should -Be @('Restarted', 'Restarted')
            (Get-XenVM 'rec-u*').PowerState | Should -Be @('Running', 'Running')
        }

        It 'changes nothing with -WhatIf' {
            New-RunningVM -Name 'rec-w' | Out-Null
            Stop-SimHost xennode02
            Repair-XenPool -IncludeUnprotected -WhatIf | Should -BeNullOrEmpty
            $vm = Get-XenVM 'rec-w'
            $vm.PowerState | Should -Be 'Running'
            $vm.Host | Should -Be 'xennode02'
        }

        It 'reports a VM no survivor has room for as Failed (HOST_NOT_ENOUGH_FREE_MEMORY) and restarts the others' {
            New-RunningVM -Name 'rec-fill1' -MemoryGB 9 -On xennode01 | Out-Null
            New-RunningVM -Name 'rec-fill3' -MemoryGB 9 -On xennode03 | Out-Null
            New-RunningVM -Name 'rec-big' -MemoryGB 8 | Protect-XenVM -Priority Restart -Confirm:$false
            New-RunningVM -Name 'rec-small' -MemoryGB 1 | Protect-XenVM -Priority Restart -Order 5 -Confirm:$false
            Stop-SimHost xennode02
            $results = Repair-XenPool -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
            ($results | Where-Object VM -eq 'rec-big').Outcome | Should -Be 'Failed'
            ($results | Where-Object VM -eq 'rec-big').ErrorId | Should -Be 'HOST_NOT_ENOUGH_FREE_MEMORY'
            ($results | Where-Object VM -eq 'rec-small').Outcome | Should -Be 'Restarted'
            $failures[0].FullyQualifiedErrorId | Should -Be 'HOST_NOT_ENOUGH_FREE_MEMORY,XenHa.Commands.RepairXenPoolCommand'
            (Get-XenVM 'rec-big').PowerState | Should -Be 'Halted'
        }
    }

    Context 'Nothing to recover, or the wrong tool' {
        It 'outputs nothing when every host is live' {
            Repair-XenPool -Confirm:$false | Should -BeNullOrEmpty
        }

        It 'reports a named host that is live (XenHaHostIsLive)' {
            { Repair-XenPool -Host xennode03 -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'XenHaHostIsLive,XenHa.Commands.RepairXenPoolCommand'
        }

        It 'refuses while HA is enabled (XenHaHaEnabled)' {
            Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 1 -Confirm:$false | Out-Null
            try {
                { Repair-XenPool -Confirm:$false } | Should -Throw -ErrorId 'XenHaHaEnabled,XenHa.Commands.RepairXenPoolCommand'
            }
            finally { Disable-XenHa -Confirm:$false }
        }

        It 'has ConfirmImpact High' {
            (Get-Command Repair-XenPool).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact |
                Should -Be 'High'
        }
    }
}

Describe 'Repair-XenPool fencing evidence' {
    # A fresh simulator: xensim's liveness tracking of a host that was power-cycled or healed before
    # is not reliable yet (see the report of issue 5).
    BeforeAll { Start-HaPool }
    AfterAll { Stop-HaPool }

    It 'treats a partitioned host that does not answer on its management address as fenced' {
        New-RunningVM -Name 'rec-part' | Out-Null
        Add-XenSimulatorFault -Simulator $script:sim -Kind Partition -HostName xennode02 -Confirm:$false | Out-Null
        Wait-Until { -not (Get-XenHost xennode02).Live } | Should -BeTrue
        $result = Repair-XenPool -Host xennode02 -IncludeUnprotected -Confirm:$false
        $result.Outcome | Should -Be 'Restarted'
        (Get-XenVM 'rec-part').Host | Should -BeIn @('xennode01', 'xennode03')
    }

    # xensim has no fault that leaves a host not live while it still answers on its management
    # address (a heartbeat-only partition): a partitioned host drops client connections too. Until it
    # has one, the refusal is covered by the cmdlet's probe alone; see the report of issue 5.
    It 'refuses with XenHaHostStillAnswers and changes nothing while the dead host still answers' -Skip {
        New-RunningVM -Name 'rec-split' | Out-Null
        { Repair-XenPool -IncludeUnprotected -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaHostStillAnswers,XenHa.Commands.RepairXenPoolCommand'
        $vm = Get-XenVM 'rec-split'
        $vm.PowerState | Should -Be 'Running'
        $vm.Host | Should -Be 'xennode02'
    }
}

Describe 'Repair-XenPool on a XenServer 5.6 pool (API 1.7: no host.declare_dead)' {
    BeforeAll { Start-HaPool -ApiVersion '1.7' }
    AfterAll { Stop-HaPool }

    It 'resets each VM with VM.power_state_reset and restarts it' {
        New-RunningVM -Name 'old-a' | Out-Null
        Stop-SimHost xennode02
        $result = Repair-XenPool -IncludeUnprotected -Confirm:$false
        $result.Outcome | Should -Be 'Restarted'
        (Get-XenVM 'old-a').Host | Should -BeIn @('xennode01', 'xennode03')
    }
}
