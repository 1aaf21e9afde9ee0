# HA cmdlets (issue 5, article step 10): Get-XenHa, Enable-/Disable-XenHa, Protect-/Unprotect-XenVM and
# Test-XenHaPlan against the simulator's HA (xapi's checks, planner and overcommit protection).
# Each Describe starts its own simulator; each It creates the VMs it needs and AfterEach puts HA back off.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'HaCommon.ps1')

    function Reset-Ha {
        if ((Get-PoolRecord).ha_enabled) { Disable-XenHa -Confirm:$false }
        Get-XenVM | Where-Object HaRestartPriority | Unprotect-XenVM -Confirm:$false
        Invoke-XenApi pool.set_ha_host_failures_to_tolerate -ArgumentList (Get-XenPool), 0 -Confirm:$false | Out-Null
        Get-XenVM | Where-Object PowerState -ne 'Halted' | Stop-XenVM -Force -Confirm:$false
        Get-XenVM | Remove-XenVM -Confirm:$false
    }
}

Describe 'Get-XenHa' {
    BeforeAll { Start-HaPool }
    AfterAll { Stop-HaPool }
    AfterEach { Reset-Ha }

    Context 'HA off, nothing protected' {
        It 'reports the state, the computed maximum and every host live' {
            New-RunningVM -Name 'get-plain' | Out-Null
            $status = Get-XenHa
            $status | Should -HaveCount 1
            $status.PSObject.TypeNames[0] | Should -Be 'XenHa.HaStatus'
            $status.Enabled | Should -BeFalse
            $status.HeartbeatRepository | Should -Be ''
            $status.ProtectedCount | Should -Be 0
            $status.UnprotectedCount | Should -BeGreaterOrEqual 1
            $status.MaxHostFailuresToTolerate | Should -Be 3 -Because 'with no protected VM every live host may fail (reference 8.5)'
            $status.Hosts | Should -HaveCount 3
            @($status.Hosts | Where-Object { -not $_.Live }) | Should -BeNullOrEmpty
            $status.Drift | Should -BeNullOrEmpty
        }
    }

    Context 'Drift' {
        It 'reports protected VMs while HA is off' {
            New-RunningVM -Name 'drift-a' | Protect-XenVM -Priority Restart -Confirm:$false
            $status = Get-XenHa
            $status.ProtectedCount | Should -Be 1
            $status.ProtectedVMs | Should -Be @('drift-a')
            $status.Drift -join "`n" | Should -Match 'HA is off, but 1 VM'
        }

        It 'reports a protected VM that is not agile, with the reason' {
            $vm = New-RunningVM -Name 'drift-local' -Repository (Get-LocalRepositoryUuid xennode01) -On xennode01
            Invoke-XenApi VM.set_ha_restart_priority -ArgumentList $vm, 'restart' -Confirm:$false | Out-Null
            (Get-XenHa).Drift -join "`n" | Should -Match "drift-local' is not agile.*Local storage"
        }
    }
}

Describe 'Protect-XenVM' {
    BeforeAll { Start-HaPool }
    AfterAll { Stop-HaPool }
    AfterEach { Reset-Ha }

    It 'sets priority, order and start delay (XenCenter wizard order) and returns the VM with -PassThru' {
        New-RunningVM -Name 'prot-a' | Out-Null
        $result = Protect-XenVM -Name 'prot-a' -Priority Restart -Order 2 -StartDelaySeconds 30 -PassThru -Confirm:$false
        $result.Name | Should -Be 'prot-a'
        $result.HaRestartPriority | Should -Be 'restart'
        $record = Get-VmRecord 'prot-a'
        $record.order | Should -Be 2
        $record.start_delay | Should -Be 30
    }

    It 'takes VMs from the pipeline and sets best-effort' {
        New-RunningVM -Name 'prot-b1' | Out-Null
        New-RunningVM -Name 'prot-b2' | Out-Null
        Get-XenVM 'prot-b*' | Protect-XenVM -Priority BestEffort -Confirm:$false
        (Get-XenVM 'prot-b*').HaRestartPriority | Should -Be @('best-effort', 'best-effort')
        (Get-XenHa).BestEffortCount | Should -Be 2
    }

    It 'changes nothing with -WhatIf' {
        New-RunningVM -Name 'prot-w' | Out-Null
        Protect-XenVM -Name 'prot-w' -Priority Restart -Order 5 -WhatIf
        $record = Get-VmRecord 'prot-w'
        $record.ha_restart_priority | Should -Be ''
        $record.order | Should -Be 0
    }

    It 'refuses a VM that is not agile with the reason from VM.assert_agile, before setting anything' {
        New-RunningVM -Name 'prot-local' -Repository (Get-LocalRepositoryUuid xennode01) -On xennode01 | Out-Null
        { Protect-XenVM -Name 'prot-local' -Priority Restart -Order 3 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED,XenHa.Commands.ProtectXenVMCommand'
        $record = Get-VmRecord 'prot-local'
        $record.ha_restart_priority | Should -Be ''
        $record.order | Should -Be 0
    }

    It 'names the repository in the refusal and still accepts best-effort for a VM that is not agile' {
        New-RunningVM -Name 'prot-local2' -Repository (Get-LocalRepositoryUuid xennode01) -On xennode01 | Out-Null
        Protect-XenVM -Name 'prot-local2' -Priority Restart -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].ErrorDetails.Message | Should -Match "prot-local2' cannot be protected.*Local storage"
        Protect-XenVM -Name 'prot-local2' -Priority BestEffort -Confirm:$false -ErrorAction Stop
        (Get-VmRecord 'prot-local2').ha_restart_priority | Should -Be 'best-effort'
    }

    It 'reports a missing VM as XenHaVmNotFound' {
        { Protect-XenVM -Name 'no-such-vm' -Priority Restart -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaVmNotFound,XenHa.Commands.ProtectXenVMCommand'
    }

    Context 'Overcommit protection with HA on' {
        It 'refuses protecting a VM that would break the failover plan with HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN' {
            # 16 GB hosts (about 11.4 GB free for guests), tolerate 1 failure. 4 GB protected on xennode02 can
            # restart on xennode01 (6 GB used); protecting the 8 GB VM on xennode03 would leave it nowhere
            # to go if xennode03 failed, so xapi refuses it.
            New-RunningVM -Name 'big-1' -MemoryGB 4 -On xennode02 | Protect-XenVM -Priority Restart -Confirm:$false
            New-RunningVM -Name 'big-3' -MemoryGB 6 -On xennode01 | Out-Null
            New-RunningVM -Name 'big-2' -MemoryGB 8 -On xennode03 | Out-Null
            Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 1 -Confirm:$false -ErrorAction Stop | Out-Null
            { Protect-XenVM -Name 'big-2' -Priority Restart -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN,XenHa.Commands.ProtectXenVMCommand'
            (Get-VmRecord 'big-2').ha_restart_priority | Should -Be ''
            (Get-XenHa).Overcommitted | Should -BeFalse
        }
    }
}

Describe 'Unprotect-XenVM' {
    BeforeAll { Start-HaPool }
    AfterAll { Stop-HaPool }
    AfterEach { Reset-Ha }

    It 'clears the restart priority and returns the VM with -PassThru' {
        New-RunningVM -Name 'unprot-a' | Protect-XenVM -Priority Restart -Confirm:$false
        $result = Unprotect-XenVM -Name 'unprot-a' -PassThru -Confirm:$false
        $result.HaRestartPriority | Should -Be ''
        (Get-VmRecord 'unprot-a').ha_restart_priority | Should -Be ''
    }

    It 'changes nothing with -WhatIf' {
        New-RunningVM -Name 'unprot-w' | Protect-XenVM -Priority Restart -Confirm:$false
        Unprotect-XenVM -Name 'unprot-w' -WhatIf
        (Get-VmRecord 'unprot-w').ha_restart_priority | Should -Be 'restart'
    }

    It 'is a no-op on a VM that is not protected' {
        New-RunningVM -Name 'unprot-n' | Out-Null
        Unprotect-XenVM -Name 'unprot-n' -PassThru -Confirm:$false -ErrorAction Stop | Select-Object -ExpandProperty HaRestartPriority | Should -Be ''
    }
}

Describe 'Enable-XenHa' {
    BeforeAll { Start-HaPool }
    AfterAll { Stop-HaPool }
    AfterEach { Reset-Ha }

    It 'enables HA with the heartbeat on the shared repository and returns the status' {
        New-RunningVM -Name 'en-a' | Protect-XenVM -Priority Restart -Confirm:$false
        $status = Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 1 -TimeoutSeconds 30 -Confirm:$false
        $status.Enabled | Should -BeTrue
        $status.HeartbeatRepository | Should -Be 'NFS VM storage'
        $status.TimeoutSeconds | Should -Be 30
        $status.HostFailuresToTolerate | Should -Be 1
        $status.PlanExistsFor | Should -Be 1
        $status.Overcommitted | Should -BeFalse
        $pool = Get-PoolRecord
        $pool.ha_enabled | Should -BeTrue
        $pool.ha_configuration.timeout | Should -Be '30'
        $pool.ha_host_failures_to_tolerate | Should -Be 1
    }

    It 'takes the repository object from Get-XenRepository' {
        $sr = Get-XenRepository 'NFS VM storage'
        (Enable-XenHa -HeartbeatRepository $sr -HostFailuresToTolerate 1 -Confirm:$false).Enabled | Should -BeTrue
    }

    It 'changes nothing with -WhatIf' {
        Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 2 -WhatIf
        $pool = Get-PoolRecord
        $pool.ha_enabled | Should -BeFalse
        $pool.ha_host_failures_to_tolerate | Should -Be 0
    }

    It 'is idempotent: the same settings again change nothing; a new tolerance is set in place' {
        Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 1 -Confirm:$false | Out-Null
        $again = Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 1 -Confirm:$false -ErrorAction Stop
        $again.Enabled | Should -BeTrue
        $changed = Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 2 -Confirm:$false -ErrorAction Stop
        $changed.HostFailuresToTolerate | Should -Be 2
        (Get-PoolRecord).ha_host_failures_to_tolerate | Should -Be 2
    }

    It 'refuses another heartbeat repository or timeout while HA is on (HA_IS_ENABLED), changing nothing' {
        Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 1 -Confirm:$false | Out-Null
        { Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 1 -TimeoutSeconds 90 -Confirm:$false } |
            Should -Throw -ErrorId 'HA_IS_ENABLED,XenHa.Commands.EnableXenHaCommand'
        (Get-PoolRecord).ha_configuration.timeout | Should -Be '60'
    }

    It 'reports every problem before changing anything (local heartbeat SR, a protected VM that is not agile)' {
        New-RunningVM -Name 'en-local' -Repository (Get-LocalRepositoryUuid xennode01) -On xennode01 | Out-Null
        Invoke-XenApi VM.set_ha_restart_priority -ArgumentList (Get-XenVM 'en-local'), 'restart' -Confirm:$false | Out-Null
        $local = Get-LocalRepositoryUuid xennode01
        $problems = $null; $failure = $null
        try { Enable-XenHa -HeartbeatRepository $local -HostFailuresToTolerate 1 -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue }
        catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -Be 'XenHaHaPreconditionsFailed,XenHa.Commands.EnableXenHaCommand'
        $failure.Exception.Message | Should -Match 'nothing was changed'
        $ids = @($problems | ForEach-Object FullyQualifiedErrorId)
        $ids | Should -Contain 'SR_HAS_NO_PBDS,XenHa.Commands.EnableXenHaCommand'
        $ids | Should -Contain 'HA_CONSTRAINT_VIOLATION_SR_NOT_SHARED,XenHa.Commands.EnableXenHaCommand'
        $pool = Get-PoolRecord
        $pool.ha_enabled | Should -BeFalse
        $pool.ha_host_failures_to_tolerate | Should -Be 0
    }

    It 'refuses a tolerance no restart plan exists for (XenHaNoFailoverPlan)' {
        New-RunningVM -Name 'en-plan' | Protect-XenVM -Priority Restart -Confirm:$false
        $problems = $null; $failure = $null
        try { Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 3 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable problems }
        catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -Be 'XenHaHaPreconditionsFailed,XenHa.Commands.EnableXenHaCommand'
        @($problems | ForEach-Object FullyQualifiedErrorId) | Should -Contain 'XenHaNoFailoverPlan,XenHa.Commands.EnableXenHaCommand'
        (Get-PoolRecord).ha_enabled | Should -BeFalse
    }

    It 'reports a repository that does not exist' {
        { Enable-XenHa -HeartbeatRepository 'no-such-sr' -HostFailuresToTolerate 1 -Confirm:$false } |
            Should -Throw -ErrorId 'XenHaRepositoryNotFound,XenHa.Commands.EnableXenHaCommand'
    }
}

Describe 'Disable-XenHa' {
    BeforeAll { Start-HaPool }
    AfterAll { Stop-HaPool }
    AfterEach { Reset-Ha }

    It 'turns HA off and returns the status with -PassThru' {
        Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 1 -Confirm:$false | Out-Null
        $status = Disable-XenHa -PassThru -Confirm:$false
        $status.Enabled | Should -BeFalse
        (Get-PoolRecord).ha_enabled | Should -BeFalse
    }

    It 'changes nothing with -WhatIf' {
        Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 1 -Confirm:$false | Out-Null
        Disable-XenHa -WhatIf
        (Get-PoolRecord).ha_enabled | Should -BeTrue
    }

    It 'is a no-op when HA is already off' {
        { Disable-XenHa -Confirm:$false -ErrorAction Stop } | Should -Not -Throw
        (Get-PoolRecord).ha_enabled | Should -BeFalse
    }

    It 'has ConfirmImpact High' {
        (Get-Command Disable-XenHa).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact |
            Should -Be 'High'
    }
}

Describe 'Test-XenHaPlan' {
    BeforeAll { Start-HaPool }
    AfterAll { Stop-HaPool }
    AfterEach { Reset-Ha }

    It 'shows where each VM of a failed host would restart, with HA off' {
        New-RunningVM -Name 'plan-r' | Protect-XenVM -Priority Restart -Order 1 -Confirm:$false
        New-RunningVM -Name 'plan-b' | Protect-XenVM -Priority BestEffort -Confirm:$false
        New-RunningVM -Name 'plan-u' | Out-Null
        $plan = Test-XenHaPlan -FailedHost xennode02
        $plan | Should -Not -BeNullOrEmpty
        $plan.VM | Should -Be @('plan-r', 'plan-b', 'plan-u')
        foreach ($entry in $plan | Where-Object Priority) {
            $entry.Restartable | Should -BeTrue
            $entry.TargetHost | Should -BeIn @('xennode01', 'xennode03')
            $entry.CurrentHost | Should -Be 'xennode02'
        }
        ($plan | Where-Object VM -eq 'plan-u').Restartable | Should -BeFalse
        $plan[0].MaxHostFailuresToTolerate | Should -Be 2
    }

    It 'takes failed hosts from the pipeline and lists all protected VMs when none is given' {
        New-RunningVM -Name 'plan-p1' -On xennode01 | Protect-XenVM -Priority Restart -Confirm:$false
        New-RunningVM -Name 'plan-p3' -On xennode03 | Protect-XenVM -Priority Restart -Confirm:$false
        (Get-XenHost xennode03 | Test-XenHaPlan).VM | Should -Be @('plan-p3')
        (Test-XenHaPlan).VM | Should -Be @('plan-p1', 'plan-p3')
    }

    It 'explains a VM that cannot be restarted for lack of memory' {
        New-RunningVM -Name 'plan-huge' -MemoryGB 10 -On xennode02 | Protect-XenVM -Priority Restart -Confirm:$false
        New-RunningVM -Name 'plan-fill1' -MemoryGB 8 -On xennode01 | Out-Null
        New-RunningVM -Name 'plan-fill3' -MemoryGB 8 -On xennode03 | Out-Null
        $entry = Test-XenHaPlan -FailedHost xennode02 | Where-Object VM -eq 'plan-huge'
        $entry.Restartable | Should -BeFalse
        $entry.ErrorCode | Should -Be 'HOST_NOT_ENOUGH_FREE_MEMORY'
        $entry.Reason | Should -Match 'memory'
    }

    It 'stops on a host that does not exist' {
        { Test-XenHaPlan -FailedHost 'no-such-host' } | Should -Throw -ErrorId 'XenHaHostNotFound,XenHa.Commands.TestXenHaPlanCommand'
    }
}
