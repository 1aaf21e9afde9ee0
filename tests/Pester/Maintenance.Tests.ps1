# Suspend-/Resume-/Restart-/Stop-XenHost (issue 4, article steps 5-7): maintenance mode as XenCenter
# does it (blockers first, disable, mark, evacuate, hand the coordinator role over), failback, and the
# safe order for reboot/shutdown. Each Describe starts its own simulator; each It creates its VMs.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'PoolCommon.ps1')

    function Get-HostOtherConfig([string] $Name) {
        (Invoke-XenApi host.get_other_config -ArgumentList (Get-XenHost $Name))
    }
}

AfterAll {
    Stop-TestPool
}

Describe 'Suspend-XenHost and Resume-XenHost: the article scenario' {
    BeforeAll {
        Start-TestPool -Speed 20
        # Step 5-6: a Linux and a Windows VM on the NFS repository, no home server, tools installed, both on xennode02.
        New-RunningVM -Name 'fedora01' -Template 'Debian Bookworm 12' -On xennode02 -Tools | Out-Null
        New-RunningVM -Name 'winxp01' -Template 'Windows Server 2022 (64-bit)' -MemoryGB 2 -On xennode02 -Tools | Out-Null
    }
    AfterAll { Stop-TestPool }

    It 'lists the evacuation plan with -WhatIf and changes nothing' {
        Suspend-XenHost xennode02 -WhatIf
        $host02 = Get-XenHost xennode02
        $host02.Enabled | Should -BeTrue
        $host02.InMaintenance | Should -BeFalse
        (Get-XenVM fedora01, winxp01).Host | Sort-Object -Unique | Should -Be 'xennode02'
    }

    It 'moves both VMs away live and shows the host in maintenance' {
        $result = Suspend-XenHost xennode02 -PassThru -Confirm:$false
        $result | Should -BeOfType XenHa.Host
        $result.Enabled | Should -BeFalse
        $result.InMaintenance | Should -BeTrue
        $result.VMCount | Should -Be 0
        $vms = @(Get-XenVM fedora01, winxp01)
        $vms | Should -HaveCount 2
        $vms | ForEach-Object { $_.PowerState | Should -Be 'Running'; $_.Host | Should -Not -Be 'xennode02'; $_.Host | Should -Not -BeNullOrEmpty }
        (Get-HostOtherConfig xennode02)['XenHa.evacuated_vms'] | Should -Not -BeNullOrEmpty
    }

    It 'Resume-XenHost -Failback enables the host and brings exactly those VMs back' {
        $bystander = New-RunningVM -Name 'bystander01' -On xennode03 -Tools
        $result = @(Resume-XenHost xennode02 -Failback -PassThru -Confirm:$false)
        $hostObject = $result | Where-Object { $_ -is [XenHa.Host] }
        $hostObject.Enabled | Should -BeTrue
        $hostObject.InMaintenance | Should -BeFalse
        ($result | Where-Object { $_ -is [XenHa.Vm] }).Name | Sort-Object | Should -Be @('fedora01', 'winxp01')
        (Get-XenVM fedora01, winxp01).Host | Sort-Object -Unique | Should -Be 'xennode02'
        (Get-XenVM bystander01).Host | Should -Be 'xennode03'
        (Get-HostOtherConfig xennode02).ContainsKey('XenHa.evacuated_vms') | Should -BeFalse
    }
}

Describe 'Suspend-XenHost blockers' {
    BeforeAll { Start-TestPool -Speed 20 }
    AfterAll { Stop-TestPool }

    It 'refuses when a VM has no tools, naming it and its reason, and changes nothing' {
        New-RunningVM -Name 'tooled01' -On xennode02 -Tools | Out-Null
        New-RunningVM -Name 'notools01' -Template 'Windows Server 2022 (64-bit)' -MemoryGB 2 -On xennode02 | Out-Null
        $failure = $null
        try { Suspend-XenHost xennode02 -Confirm:$false -ErrorAction Stop } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -Be 'CANNOT_EVACUATE_HOST,XenHa.Commands.SuspendXenHostCommand'
        $failure.Exception.Message | Should -Match 'notools01'
        $failure.Exception.Blockers | Should -HaveCount 1
        $failure.Exception.Blockers[0].VM | Should -Be 'notools01'
        $failure.Exception.Blockers[0].Code | Should -Be 'VM_LACKS_FEATURE'
        $host02 = Get-XenHost xennode02
        $host02.Enabled | Should -BeTrue
        $host02.InMaintenance | Should -BeFalse
        (Get-XenVM tooled01, notools01).Host | Sort-Object -Unique | Should -Be 'xennode02'
        Get-XenVM notools01 | Stop-XenVM -Force -Confirm:$false
    }

    It 'reports a VM on local storage as a blocker (VM_REQUIRES_SR)' {
        New-RunningVM -Name 'local01' -On xennode03 -Repository (Get-LocalRepositoryUuid xennode03) -Tools | Out-Null
        { Suspend-XenHost xennode03 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'CANNOT_EVACUATE_HOST,XenHa.Commands.SuspendXenHostCommand'
        try { Suspend-XenHost xennode03 -Confirm:$false -ErrorAction Stop } catch { $failure = $_ }
        $failure.Exception.Blockers.Code | Should -Contain 'VM_REQUIRES_SR'
        ($failure.Exception.Blockers | Where-Object VM -EQ 'local01').Reason | Should -Match 'Local storage'
        (Get-XenHost xennode03).Enabled | Should -BeTrue
        Get-XenVM local01 | Stop-XenVM -Force -Confirm:$false
    }

    It 'reports a host name that matches nothing' {
        { Suspend-XenHost xennode99 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaHostNotFound,XenHa.Commands.SuspendXenHostCommand'
    }
}

Describe 'Suspend-XenHost on the coordinator' {
    BeforeAll { Start-TestPool -Speed 20 }
    AfterAll { Stop-TestPool }

    It 'hands the coordinator role over and the same connection follows it' {
        New-RunningVM -Name 'coord-vm1' -On xennode01 -Tools | Out-Null
        $before = Get-XenConnection
        $result = Suspend-XenHost xennode01 -NewCoordinator xennode02 -PassThru -Confirm:$false
        $result.InMaintenance | Should -BeTrue
        $result.IsCoordinator | Should -BeFalse
        (Get-XenPool).Coordinator | Should -Be 'xennode02'
        (Get-XenConnection).CoordinatorName | Should -Be 'xennode02'
        (Get-XenConnection).Id | Should -Be $before.Id
        $before.Uri.Host | Should -Be (Get-XenHost xennode02).Address
        (Get-XenVM coord-vm1).Host | Should -Not -Be 'xennode01'
        Resume-XenHost xennode01 -Confirm:$false
        (Get-XenHost xennode01).Enabled | Should -BeTrue
    }
}

Describe 'Restart-XenHost and Stop-XenHost' {
    BeforeAll { Start-TestPool -Speed 20 }
    AfterAll { Stop-TestPool }

    It 'Restart-XenHost evacuates, reboots and waits until the host is back' {
        New-RunningVM -Name 'reboot-vm1' -On xennode03 -Tools | Out-Null
        $result = Restart-XenHost xennode03 -PassThru -Confirm:$false
        $result.Live | Should -BeTrue
        $result.Enabled | Should -BeTrue
        $vm = Get-XenVM reboot-vm1
        $vm.PowerState | Should -Be 'Running'
        $vm.Host | Should -Not -Be 'xennode03'
    }

    It 'Restart-XenHost -WhatIf changes nothing' {
        Restart-XenHost xennode03 -WhatIf
        (Get-XenHost xennode03).Enabled | Should -BeTrue
    }

    It 'restarts the coordinator after handing its role to another member' {
        $result = Restart-XenHost xennode01 -NewCoordinator xennode03 -PassThru -Confirm:$false
        $result.Live | Should -BeTrue
        $result.Enabled | Should -BeTrue
        (Get-XenPool).Coordinator | Should -Be 'xennode03'
        (Get-XenConnection).CoordinatorName | Should -Be 'xennode03'
    }

    It 'Stop-XenHost refuses while a VM blocks evacuation and leaves the host enabled' {
        New-RunningVM -Name 'stop-block1' -Template 'Windows Server 2022 (64-bit)' -MemoryGB 2 -On xennode02 | Out-Null
        { Stop-XenHost xennode02 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'CANNOT_EVACUATE_HOST,XenHa.Commands.StopXenHostCommand'
        (Get-XenHost xennode02).Enabled | Should -BeTrue
        Get-XenVM stop-block1 | Stop-XenVM -Force -Confirm:$false
    }

    It 'Stop-XenHost evacuates and waits until the host is down' {
        New-RunningVM -Name 'stop-vm1' -On xennode02 -Tools | Out-Null
        $result = Stop-XenHost xennode02 -PassThru -Confirm:$false
        $result.Live | Should -BeFalse
        (Get-XenVM stop-vm1).PowerState | Should -Be 'Running'
        (Get-XenVM stop-vm1).Host | Should -Not -Be 'xennode02'
    }
}

Describe 'Restart-XenHost on a fast simulated clock' {
    # At this speed the host is down and back between two polls; the changed boot_time tells the reboot happened.
    BeforeAll { Start-TestPool -Speed 200 }
    AfterAll { Stop-TestPool }

    It 'returns once the host is back even when it was never seen down' {
        $before = (Get-XenHost xennode03).Record.OtherConfig['boot_time']
        # Without the boot_time check the wait would never see the host down and end in a timeout error.
        $result = Restart-XenHost xennode03 -PassThru -TimeoutSeconds 60 -Confirm:$false -ErrorAction Stop
        $result.Live | Should -BeTrue
        $result.Enabled | Should -BeTrue
        (Get-XenHost xennode03).Record.OtherConfig['boot_time'] | Should -Not -Be $before
    }
}
