# VM creation and the power lifecycle (issue 4, article steps 5-6): Get-XenTemplate, New-XenVM,
# Start-/Stop-/Restart-/Suspend-/Resume-/Remove-/Set-XenVM and the Get-XenVM filters.
# Each Describe starts its own simulator; each It creates the VMs it needs.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    function Start-TestPool {
        param([int] $MemoryGB = 0)
        $arguments = @{ HostCount = 3; Preset = 'pooled'; Speed = 10 }
        if ($MemoryGB) { $arguments.MemoryGB = $MemoryGB }
        $script:sim = Start-XenSimulator @arguments
        $script:connection = Connect-XenPool -Server $script:sim.Url -Credential $script:sim.Credential
    }

    function Stop-TestPool {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false
        if ($script:sim) { Stop-XenSimulator $script:sim; $script:sim = $null }
    }

    function New-TestNfsRepository {
        param([string] $Name = 'NFS VM storage')
        $repository = New-XenNfsRepository -Name $Name -Server nas01 -Path /export/xen -Confirm:$false
        $repository.Shared | Should -BeTrue
        $repository
    }

    function Wait-Until {
        # Polls a condition on the (sped-up) simulated clock, e.g. for the guest agent to report.
        param([scriptblock] $Condition, [int] $TimeoutSeconds = 20)
        $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not (& $Condition)) {
            if ([datetime]::UtcNow -gt $deadline) { throw "Timed out waiting for: $Condition" }
            Start-Sleep -Milliseconds 200
        }
    }

    function Get-RawRecords([string] $Class) {
        $records = Invoke-XenApi "$Class.get_all_records"
        foreach ($key in $records.Keys) {
            $record = New-Object psobject -Property $records[$key]
            $record | Add-Member -PassThru -NotePropertyName Ref -NotePropertyValue $key
        }
    }

    function Get-VdiRefsOf([string] $VmRef) {
        @(Get-RawRecords VBD | Where-Object { $_.VM -eq $VmRef -and $_.type -ne 'CD' } | ForEach-Object VDI)
    }

    function New-TestVM {
        param([string] $Name, [string] $Template = 'Debian Bookworm 12', [switch] $Start, [double] $MemoryGB = 1, $Repository)
        $more = @{}
        if ($Repository) { $more.Repository = $Repository }
        $vm = New-XenVM -Name $Name -Template $Template -MemoryGB $MemoryGB -Start:$Start @more -Confirm:$false -ErrorAction Stop
        $vm | Should -Not -BeNullOrEmpty
        $vm
    }
}

AfterAll {
    Stop-TestPool
}

Describe 'Get-XenTemplate' {
    BeforeAll { Start-TestPool }
    AfterAll { Stop-TestPool }

    It 'lists the built-in templates with OS family, sizing and the disks of their recipe' {
        $templates = @(Get-XenTemplate)
        $templates | Should -Not -BeNullOrEmpty
        $templates | ForEach-Object { $_ | Should -BeOfType XenHa.Template }
        $debian = $templates | Where-Object Name -EQ 'Debian Bookworm 12'
        $debian.OsFamily | Should -Be 'Linux'
        $debian.MemoryGB | Should -Be 1
        $debian.CpuCount | Should -Be 1
        $debian.DiskGB | Should -Be 10
        $debian.Disks | Should -HaveCount 1
        $debian.Disks[0].Bootable | Should -BeTrue
        $debian.IsDefault | Should -BeTrue
        $debian.MaxMemoryGB | Should -BeGreaterThan $debian.MemoryGB
        $windows = $templates | Where-Object Name -EQ 'Windows Server 2022 (64-bit)'
        $windows.OsFamily | Should -Be 'Windows'
        $windows.DiskGB | Should -Be 32
        $windows.Uuid | Should -Match '^[0-9a-f-]{36}$'
        $windows.OpaqueRef | Should -Match '^OpaqueRef:'
    }

    It 'filters by wildcard, by OS family and by UUID' {
        $windows = @(Get-XenTemplate -Name 'Windows*')
        $windows | Should -Not -BeNullOrEmpty
        $windows.OsFamily | Sort-Object -Unique | Should -Be 'Windows'
        @(Get-XenTemplate -OsFamily Linux).Name | Should -Contain 'Debian Bookworm 12'
        @(Get-XenTemplate -OsFamily Linux).Name | Should -Not -Contain 'Windows 10 (64-bit)'
        $one = Get-XenTemplate 'CentOS Stream 9'
        (Get-XenTemplate -Uuid $one.Uuid).Name | Should -Be 'CentOS Stream 9'
    }

    It 'does not list VMs as templates' {
        New-TestVM -Name 'not-a-template' | Out-Null
        (Get-XenTemplate).Name | Should -Not -Contain 'not-a-template'
    }

    It 'reports a literal name that matches nothing, and is silent for a wildcard' {
        @(Get-XenTemplate 'No such*') | Should -HaveCount 0
        { Get-XenTemplate 'No such template' -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaTemplateNotFound,XenHa.Commands.GetXenTemplateCommand'
    }
}

Describe 'New-XenVM' {
    BeforeAll {
        Start-TestPool
        $nfs = New-TestNfsRepository
    }
    AfterAll { Stop-TestPool }

    It 'creates a halted VM from a template on the default repository, with no home server' {
        $vm = New-XenVM -Name 'web01' -Template 'Debian Bookworm 12' -Confirm:$false
        $vm | Should -BeOfType XenHa.Vm
        $vm.Name | Should -Be 'web01'
        $vm.PowerState | Should -Be 'Halted'
        $vm.IsTemplate | Should -BeFalse
        $vm.Affinity | Should -Be ''
        $vm.MemoryGB | Should -Be 1
        $vm.CpuCount | Should -Be 1
        $vm.Record.OtherConfig.ContainsKey('disks') | Should -BeFalse
        $pool = Get-XenPool
        $vdis = @(Get-VdiRefsOf $vm.OpaqueRef)
        $vdis | Should -HaveCount 1
        $vdi = Invoke-XenApi VDI.get_record $vdis[0]
        $vdi.virtual_size | Should -Be (10GB)
        (Invoke-XenApi SR.get_name_label $vdi.SR) | Should -Be $pool.DefaultRepository
        $vifs = @(Get-RawRecords VIF | Where-Object VM -EQ $vm.OpaqueRef)
        $vifs | Should -HaveCount 1
        $management = Get-RawRecords PIF | Where-Object management | Select-Object -First 1
        $vifs[0].network | Should -Be $management.network
    }

    It 'places the disks on the given repository with the given memory, vCPUs and description, and starts the VM' {
        $template = Get-XenTemplate 'Windows Server 2022 (64-bit)'
        $vm = $template | New-XenVM -Name 'app01' -Repository $nfs -MemoryGB 6 -CpuCount 4 -Description 'App server' -Start -Confirm:$false
        $vm.PowerState | Should -Be 'Running'
        $vm.Host | Should -Not -BeNullOrEmpty
        $vm.MemoryGB | Should -Be 6
        $vm.CpuCount | Should -Be 4
        $vm.Description | Should -Be 'App server'
        $vm.Record.VCPUsMax | Should -Be 4
        $vm.Record.MemoryDynamicMax | Should -Be (6GB)
        $vdis = @(Get-VdiRefsOf $vm.OpaqueRef)
        $vdis | Should -HaveCount 1
        (Invoke-XenApi VDI.get_SR $vdis[0]) | Should -Be $nfs.OpaqueRef
    }

    It 'sets a home server with -Affinity' {
        $vm = New-XenVM -Name 'pinned01' -Template 'Debian Bookworm 12' -Affinity xennode02 -Confirm:$false
        $vm.Affinity | Should -Be 'xennode02'
    }

    It 'changes nothing with -WhatIf' {
        $vmsBefore = @(Get-RawRecords VM).Count
        $vdisBefore = @(Get-RawRecords VDI).Count
        New-XenVM -Name 'whatif01' -Template 'Debian Bookworm 12' -WhatIf | Should -BeNullOrEmpty
        @(Get-RawRecords VM).Count | Should -Be $vmsBefore
        @(Get-RawRecords VDI).Count | Should -Be $vdisBefore
        @(Get-XenVM 'whatif01' -ErrorAction SilentlyContinue) | Should -HaveCount 0
    }

    It 'refuses an unknown template and creates nothing' {
        $vmsBefore = @(Get-RawRecords VM).Count
        { New-XenVM -Name 'ghost01' -Template 'Fedora 13' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaTemplateNotFound,XenHa.Commands.NewXenVMCommand'
        @(Get-RawRecords VM).Count | Should -Be $vmsBefore
    }

    It 'reports every problem at once and creates nothing' {
        $vmsBefore = @(Get-RawRecords VM).Count
        $vdisBefore = @(Get-RawRecords VDI).Count
        New-XenVM -Name 'bad01' -Template 'Debian Bookworm 12' -Repository 'No such SR' -Network 'No such network' -MemoryGB 1024 -Affinity 'xennode99' `
            -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ids = $problems.FullyQualifiedErrorId
        $ids | Should -Contain 'XenHaRepositoryNotFound,XenHa.Commands.NewXenVMCommand'
        $ids | Should -Contain 'XenHaNetworkNotFound,XenHa.Commands.NewXenVMCommand'
        $ids | Should -Contain 'XenHaMemoryOutOfRange,XenHa.Commands.NewXenVMCommand'
        $ids | Should -Contain 'XenHaHostNotFound,XenHa.Commands.NewXenVMCommand'
        @(Get-RawRecords VM).Count | Should -Be $vmsBefore
        @(Get-RawRecords VDI).Count | Should -Be $vdisBefore
    }

    It 'refuses less memory than the template allows' {
        { New-XenVM -Name 'tiny01' -Template 'Windows 10 (64-bit)' -MemoryGB 0.25 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaMemoryOutOfRange,XenHa.Commands.NewXenVMCommand'
    }

    It 'refuses a name that a VM already has' {
        New-TestVM -Name 'twice01' | Out-Null
        { New-XenVM -Name 'twice01' -Template 'Debian Bookworm 12' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaVmExists,XenHa.Commands.NewXenVMCommand'
        @(Get-XenVM 'twice01') | Should -HaveCount 1
    }

    It 'refuses a repository that cannot hold the disks' {
        # The ISO library of the farm (content type iso) cannot hold VM disks.
        $iso = Get-RawRecords SR | Where-Object content_type -EQ 'iso' | Select-Object -First 1
        $iso | Should -Not -BeNullOrEmpty
        { New-XenVM -Name 'iso01' -Template 'Debian Bookworm 12' -Repository $iso.uuid -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaRepositoryNotUsable,XenHa.Commands.NewXenVMCommand'
        @(Get-XenVM 'iso01' -ErrorAction SilentlyContinue) | Should -HaveCount 0
    }

    It 'removes the partly created VM and its disks when a step after the clone fails' {
        # A private template whose recipe asks for a disk size the provisioner rejects.
        $base = Get-XenTemplate 'Debian Bookworm 12'
        $copy = Invoke-XenApi VM.clone -ArgumentList $base.OpaqueRef, 'Broken recipe' -Confirm:$false
        Invoke-XenApi VM.remove_from_other_config -ArgumentList $copy, 'disks' -Confirm:$false | Out-Null
        Invoke-XenApi VM.add_to_other_config -ArgumentList $copy, 'disks', '<provision><disk device="0" size="not-a-size" sr="" bootable="true" type="system"/></provision>' -Confirm:$false | Out-Null
        $vmsBefore = @(Get-RawRecords VM).Count
        $vdisBefore = @(Get-RawRecords VDI).Count
        New-XenVM -Name 'half01' -Template 'Broken recipe' -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $failure | Should -HaveCount 1
        $failure[0].ErrorDetails.Message | Should -Match 'provision'
        $failure[0].ErrorDetails.Message | Should -Match 'removed'
        @(Get-RawRecords VM).Count | Should -Be $vmsBefore
        @(Get-RawRecords VDI).Count | Should -Be $vdisBefore
        @(Get-RawRecords VM | Where-Object name_label -EQ 'half01') | Should -HaveCount 0
    }
}

Describe 'Start-XenVM' {
    BeforeAll {
        Start-TestPool -MemoryGB 16
        $nfs = New-TestNfsRepository
    }
    AfterAll { Stop-TestPool }

    It 'starts a halted VM and returns it with -PassThru' {
        New-TestVM -Name 'start01' | Out-Null
        $vm = Start-XenVM 'start01' -PassThru -Confirm:$false
        $vm.PowerState | Should -Be 'Running'
        $vm.Host | Should -Match '^xennode0[123]$'
        (Get-XenVM 'start01').PowerState | Should -Be 'Running'
    }

    It 'starts a VM on the given host' {
        New-TestVM -Name 'start02' -Repository $nfs | Out-Null
        $target = Get-XenHost xennode03
        $vm = Start-XenVM -Name 'start02' -Host $target -PassThru -Confirm:$false
        $vm.Host | Should -Be 'xennode03'
    }

    It 'reports VM_REQUIRES_SR for a host that cannot see the VM''s local disk, and the VM stays halted' {
        New-TestVM -Name 'local01' | Out-Null
        { Start-XenVM 'local01' -Host xennode03 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'VM_REQUIRES_SR,XenHa.Commands.StartXenVMCommand'
        Start-XenVM 'local01' -Host xennode03 -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue
        # The message names the VM and the repository, not their references.
        $failure[0].ErrorDetails.Message | Should -Match "'local01'"
        $failure[0].ErrorDetails.Message | Should -Match "'Local storage'"
        $failure[0].ErrorDetails.Message | Should -Not -Match 'OpaqueRef'
        (Get-XenVM 'local01').PowerState | Should -Be 'Halted'
    }

    It 'starts a VM paused with -Paused' {
        New-TestVM -Name 'start03' | Out-Null
        (Get-XenVM 'start03' | Start-XenVM -Paused -PassThru -Confirm:$false).PowerState | Should -Be 'Paused'
    }

    It 'changes nothing with -WhatIf' {
        New-TestVM -Name 'start04' | Out-Null
        Start-XenVM 'start04' -WhatIf
        (Get-XenVM 'start04').PowerState | Should -Be 'Halted'
    }

    It 'reports VM_BAD_POWER_STATE for a running VM and leaves it running where it is' {
        $vm = New-TestVM -Name 'start05' -Start
        { Start-XenVM 'start05' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'VM_BAD_POWER_STATE,XenHa.Commands.StartXenVMCommand'
        $after = Get-XenVM 'start05'
        $after.PowerState | Should -Be 'Running'
        $after.Host | Should -Be $vm.Host
    }

    It 'reports HOST_NOT_ENOUGH_FREE_MEMORY with the needed and available bytes, and the VM stays halted' {
        New-TestVM -Name 'big01' -MemoryGB 15 | Out-Null
        Start-XenVM 'big01' -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'HOST_NOT_ENOUGH_FREE_MEMORY,XenHa.Commands.StartXenVMCommand'
        $failure[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $parameters = $failure[0].Exception.Parameters
        $parameters | Should -HaveCount 2
        [long] $parameters[0] | Should -BeGreaterThan ([long] $parameters[1])
        $failure[0].ErrorDetails.Message | Should -Match "big01"
        $after = Get-XenVM 'big01'
        $after.PowerState | Should -Be 'Halted'
        $after.Host | Should -Be ''
    }

    It 'keeps a VM that New-XenVM -Start created but could not start, and says so' {
        $vm = New-XenVM -Name 'big02' -Template 'Debian Bookworm 12' -MemoryGB 15 -Start -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'HOST_NOT_ENOUGH_FREE_MEMORY,XenHa.Commands.NewXenVMCommand'
        $failure[0].ErrorDetails.Message | Should -Match "created but could not be started"
        $vm.Name | Should -Be 'big02'
        $vm.PowerState | Should -Be 'Halted'
        @(Get-VdiRefsOf $vm.OpaqueRef) | Should -HaveCount 1
    }

    It 'goes on with the other VMs after one fails' {
        New-TestVM -Name 'batch01' | Out-Null
        New-TestVM -Name 'batch02' -Start | Out-Null
        New-TestVM -Name 'batch03' | Out-Null
        $started = @(Get-XenVM 'batch0*' | Start-XenVM -PassThru -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue)
        $failure | Should -HaveCount 1
        $failure[0].TargetObject.Name | Should -Be 'batch02'
        $started.Name | Sort-Object | Should -Be @('batch01', 'batch03')
        (Get-XenVM 'batch0*').PowerState | Sort-Object -Unique | Should -Be 'Running'
    }

    It 'reports an unknown VM name and an unknown host' {
        { Start-XenVM 'no-such-vm' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaVmNotFound,XenHa.Commands.StartXenVMCommand'
        New-TestVM -Name 'start06' | Out-Null
        { Start-XenVM 'start06' -Host 'xennode99' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaHostNotFound,XenHa.Commands.StartXenVMCommand'
        (Get-XenVM 'start06').PowerState | Should -Be 'Halted'
    }
}

Describe 'Stop-XenVM and Restart-XenVM' {
    BeforeAll { Start-TestPool }
    AfterAll { Stop-TestPool }

    It 'shuts a running VM down cleanly' {
        New-TestVM -Name 'stop01' -Start | Out-Null
        $vm = Stop-XenVM 'stop01' -PassThru -Confirm:$false
        $vm.PowerState | Should -Be 'Halted'
        $vm.Host | Should -Be ''
    }

    It 'powers a VM off with -Force' {
        New-TestVM -Name 'stop02' -Start | Out-Null
        Get-XenVM 'stop02' | Stop-XenVM -Force -Confirm:$false
        (Get-XenVM 'stop02').PowerState | Should -Be 'Halted'
    }

    It 'changes nothing with -WhatIf' {
        New-TestVM -Name 'stop03' -Start | Out-Null
        Stop-XenVM 'stop03' -Force -WhatIf
        (Get-XenVM 'stop03').PowerState | Should -Be 'Running'
    }

    It 'reports VM_BAD_POWER_STATE for a halted VM' {
        New-TestVM -Name 'stop04' | Out-Null
        { Stop-XenVM 'stop04' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'VM_BAD_POWER_STATE,XenHa.Commands.StopXenVMCommand'
        (Get-XenVM 'stop04').PowerState | Should -Be 'Halted'
    }

    It 'reboots a running VM, cleanly and with -Force' {
        New-TestVM -Name 'reboot01' -Start | Out-Null
        $before = (Get-XenVM 'reboot01').Record.Domid
        (Restart-XenVM 'reboot01' -PassThru -Confirm:$false).PowerState | Should -Be 'Running'
        $clean = (Get-XenVM 'reboot01').Record.Domid
        (Restart-XenVM 'reboot01' -Force -PassThru -Confirm:$false).PowerState | Should -Be 'Running'
        $hard = (Get-XenVM 'reboot01').Record.Domid
        $clean | Should -Not -Be $before
        $hard | Should -Not -Be $clean
    }

    It 'reports VM_BAD_POWER_STATE when rebooting a halted VM, and changes nothing with -WhatIf' {
        New-TestVM -Name 'reboot02' | Out-Null
        { Restart-XenVM 'reboot02' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'VM_BAD_POWER_STATE,XenHa.Commands.RestartXenVMCommand'
        (Get-XenVM 'reboot02').PowerState | Should -Be 'Halted'
        New-TestVM -Name 'reboot03' -Start | Out-Null
        $domid = (Get-XenVM 'reboot03').Record.Domid
        Restart-XenVM 'reboot03' -WhatIf
        (Get-XenVM 'reboot03').Record.Domid | Should -Be $domid
    }
}

Describe 'Suspend-XenVM and Resume-XenVM' {
    BeforeAll {
        Start-TestPool
        $nfs = New-TestNfsRepository
    }
    AfterAll { Stop-TestPool }

    It 'suspends a running VM and resumes it' {
        New-TestVM -Name 'nap01' -Start | Out-Null
        (Suspend-XenVM 'nap01' -PassThru -Confirm:$false).PowerState | Should -Be 'Suspended'
        (Get-XenVM 'nap01').Record.SuspendVDI.IsNull | Should -BeFalse
        (Resume-XenVM 'nap01' -PassThru -Confirm:$false).PowerState | Should -Be 'Running'
    }

    It 'resumes on the given host' {
        New-TestVM -Name 'nap02' -Repository $nfs -Start | Out-Null
        Suspend-XenVM 'nap02' -Confirm:$false
        (Resume-XenVM 'nap02' -Host xennode02 -PassThru -Confirm:$false).Host | Should -Be 'xennode02'
    }

    It 'changes nothing with -WhatIf' {
        New-TestVM -Name 'nap03' -Start | Out-Null
        Suspend-XenVM 'nap03' -WhatIf
        (Get-XenVM 'nap03').PowerState | Should -Be 'Running'
        Suspend-XenVM 'nap03' -Confirm:$false
        Resume-XenVM 'nap03' -WhatIf
        (Get-XenVM 'nap03').PowerState | Should -Be 'Suspended'
    }

    It 'reports VM_BAD_POWER_STATE for a halted VM (suspend) and a running VM (resume)' {
        New-TestVM -Name 'nap04' | Out-Null
        { Suspend-XenVM 'nap04' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'VM_BAD_POWER_STATE,XenHa.Commands.SuspendXenVMCommand'
        (Get-XenVM 'nap04').PowerState | Should -Be 'Halted'
        New-TestVM -Name 'nap05' -Start | Out-Null
        { Resume-XenVM 'nap05' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'VM_BAD_POWER_STATE,XenHa.Commands.ResumeXenVMCommand'
        (Get-XenVM 'nap05').PowerState | Should -Be 'Running'
    }
}

Describe 'Remove-XenVM' {
    BeforeAll { Start-TestPool }
    AfterAll { Stop-TestPool }

    It 'deletes a halted VM and keeps its disks' {
        $vm = New-TestVM -Name 'rm01'
        $vdis = @(Get-VdiRefsOf $vm.OpaqueRef)
        $vdis | Should -HaveCount 1
        Remove-XenVM 'rm01' -Confirm:$false
        @(Get-XenVM 'rm01' -ErrorAction SilentlyContinue) | Should -HaveCount 0
        (Get-RawRecords VDI).Ref | Should -Contain $vdis[0]
    }

    It 'deletes the disks too with -DeleteDisks' {
        $vm = New-TestVM -Name 'rm02'
        $vdis = @(Get-VdiRefsOf $vm.OpaqueRef)
        $vdis | Should -HaveCount 1
        $vm | Remove-XenVM -DeleteDisks -Confirm:$false
        @(Get-XenVM 'rm02' -ErrorAction SilentlyContinue) | Should -HaveCount 0
        (Get-RawRecords VDI).Ref | Should -Not -Contain $vdis[0]
    }

    It 'refuses a running VM with VM_BAD_POWER_STATE and deletes nothing' {
        $vm = New-TestVM -Name 'rm03' -Start
        $vdis = @(Get-VdiRefsOf $vm.OpaqueRef)
        { Remove-XenVM 'rm03' -DeleteDisks -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'VM_BAD_POWER_STATE,XenHa.Commands.RemoveXenVMCommand'
        $after = Get-XenVM 'rm03'
        $after.PowerState | Should -Be 'Running'
        @(Get-VdiRefsOf $after.OpaqueRef) | Should -Be $vdis
    }

    It 'changes nothing with -WhatIf' {
        $vm = New-TestVM -Name 'rm04'
        $vdis = @(Get-VdiRefsOf $vm.OpaqueRef)
        Remove-XenVM 'rm04' -DeleteDisks -WhatIf
        @(Get-XenVM 'rm04') | Should -HaveCount 1
        (Get-RawRecords VDI).Ref | Should -Contain $vdis[0]
    }

    It 'removes the halted VMs of a pipeline even when one is refused' {
        New-TestVM -Name 'rmb01' | Out-Null
        New-TestVM -Name 'rmb02' -Start | Out-Null
        New-TestVM -Name 'rmb03' | Out-Null
        Get-XenVM 'rmb0*' | Remove-XenVM -Confirm:$false -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'VM_BAD_POWER_STATE,XenHa.Commands.RemoveXenVMCommand'
        (Get-XenVM 'rmb0*').Name | Should -Be 'rmb02'
    }

    It 'never deletes an ISO or a disk another VM uses' {
        $vm = New-TestVM -Name 'rm05'
        $other = New-TestVM -Name 'rm06'
        $vdi = @(Get-VdiRefsOf $vm.OpaqueRef)[0]
        # Attach rm05's disk to rm06 as well: it is no longer rm05's alone.
        Invoke-XenApi VBD.create @{ VM = $other.OpaqueRef; VDI = $vdi; userdevice = '1'; bootable = $false; mode = 'RW'; type = 'Disk';
            empty = $false; other_config = @{}; qos_algorithm_type = ''; qos_algorithm_params = @{} } -Confirm:$false | Out-Null
        Remove-XenVM 'rm05' -DeleteDisks -Confirm:$false
        @(Get-XenVM 'rm05' -ErrorAction SilentlyContinue) | Should -HaveCount 0
        (Get-RawRecords VDI).Ref | Should -Contain $vdi
    }
}

Describe 'Set-XenVM' {
    BeforeAll { Start-TestPool }
    AfterAll { Stop-TestPool }

    It 'renames a VM and changes its description, memory and vCPUs' {
        New-TestVM -Name 'set01' | Out-Null
        $vm = Set-XenVM 'set01' -NewName 'set01-renamed' -Description 'Renamed' -MemoryGB 2 -CpuCount 2 -PassThru -Confirm:$false
        $vm.Name | Should -Be 'set01-renamed'
        $vm.Description | Should -Be 'Renamed'
        $vm.MemoryGB | Should -Be 2
        $vm.CpuCount | Should -Be 2
        $vm.Record.VCPUsMax | Should -Be 2
        $vm.Record.MemoryDynamicMin | Should -Be (2GB)
        $vm = Set-XenVM 'set01-renamed' -CpuCount 1 -PassThru -Confirm:$false
        $vm.CpuCount | Should -Be 1
        $vm.Record.VCPUsMax | Should -Be 1
    }

    It 'sets and clears the home server' {
        New-TestVM -Name 'set02' | Out-Null
        (Set-XenVM 'set02' -Affinity (Get-XenHost xennode03) -PassThru -Confirm:$false).Affinity | Should -Be 'xennode03'
        (Set-XenVM 'set02' -NoAffinity -PassThru -Confirm:$false).Affinity | Should -Be ''
    }

    It 'changes nothing with -WhatIf' {
        New-TestVM -Name 'set03' | Out-Null
        Set-XenVM 'set03' -NewName 'set03-x' -MemoryGB 3 -WhatIf
        $vm = Get-XenVM 'set03'
        $vm.MemoryGB | Should -Be 1
    }

    It 'reports VM_BAD_POWER_STATE for memory on a running VM and changes nothing else' {
        New-TestVM -Name 'set04' -Start | Out-Null
        { Set-XenVM 'set04' -NewName 'set04-x' -MemoryGB 2 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'VM_BAD_POWER_STATE,XenHa.Commands.SetXenVMCommand'
        $vm = Get-XenVM 'set04'
        $vm.MemoryGB | Should -Be 1
        $vm.PowerState | Should -Be 'Running'
    }

    It 'refuses memory beyond the template limit before changing anything' {
        New-TestVM -Name 'set05' | Out-Null
        { Set-XenVM 'set05' -NewName 'set05-x' -MemoryGB 4096 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaMemoryOutOfRange,XenHa.Commands.SetXenVMCommand'
        @(Get-XenVM 'set05') | Should -HaveCount 1
    }

    It 'refuses -Affinity with -NoAffinity' {
        New-TestVM -Name 'set06' | Out-Null
        { Set-XenVM 'set06' -Affinity xennode01 -NoAffinity -Confirm:$false } |
            Should -Throw -ErrorId 'XenHaAffinityConflict,XenHa.Commands.SetXenVMCommand'
    }
}

Describe 'Get-XenVM filters' {
    BeforeAll {
        Start-TestPool
        New-TestNfsRepository | Out-Null
        New-XenVM -Name 'on-nfs' -Template 'Debian Bookworm 12' -Repository 'NFS VM storage' -Start -Confirm:$false | Out-Null
        New-XenVM -Name 'on-local' -Template 'Windows 10 (64-bit)' -Start -Confirm:$false | Out-Null
        New-XenVM -Name 'halted-nfs' -Template 'Debian Bookworm 12' -Repository 'NFS VM storage' -Confirm:$false | Out-Null
    }
    AfterAll { Stop-TestPool }

    It 'returns the VMs with a disk on a repository' {
        (Get-XenVM -Repository 'NFS VM storage').Name | Sort-Object | Should -Be @('halted-nfs', 'on-nfs')
        (Get-XenVM -Repository 'NFS*' -PowerState Running).Name | Should -Be 'on-nfs'
        (Get-XenVM -Repository (Get-XenRepository 'NFS VM storage')).Name | Sort-Object | Should -Be @('halted-nfs', 'on-nfs')
    }

    It 'reports a repository name that matches nothing' {
        { Get-XenVM -Repository 'No such SR' -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaRepositoryNotFound,XenHa.Commands.GetXenVMCommand'
        @(Get-XenVM -Repository 'No such*') | Should -HaveCount 0
    }

    It 'filters by tools state' {
        Wait-Until { (Get-XenVM 'on-nfs').ToolsStatus -eq 'Optimized' }
        (Get-XenVM -Tools Optimized).Name | Should -Contain 'on-nfs'
        (Get-XenVM -Tools NotInstalled).Name | Should -Be 'on-local'
        (Get-XenVM -Tools Unknown).Name | Should -Be 'halted-nfs'
    }
}

Describe 'Article steps 5-6: a Linux and a Windows VM on shared storage, no home server' {
    BeforeAll {
        Start-TestPool
        $nfs = New-TestNfsRepository -Name 'NFS virtual disk storage'
    }
    AfterAll { Stop-TestPool }

    It 'creates both VMs on the shared repository, starts them, and shows their tools state' {
        $linux = New-XenVM -Name 'fedora01' -Template 'Debian Bookworm 12' -Repository 'NFS virtual disk storage' -Start -Confirm:$false
        $windows = New-XenVM -Name 'winxp01' -Template 'Windows 10 (64-bit)' -Repository 'NFS virtual disk storage' -Start -Confirm:$false
        foreach ($vm in $linux, $windows) {
            $vm.PowerState | Should -Be 'Running'
            $vm.Affinity | Should -Be ''
            $vm.Record.Affinity.IsNull | Should -BeTrue
            $vdis = @(Get-VdiRefsOf $vm.OpaqueRef)
            $vdis | Should -Not -BeNullOrEmpty
            foreach ($vdi in $vdis) { Invoke-XenApi VDI.get_SR $vdi | Should -Be $nfs.OpaqueRef }
        }
        (Invoke-XenApi SR.get_shared $nfs.OpaqueRef) | Should -BeTrue
        # The guest agent reports a few (simulated) seconds after boot.
        Wait-Until { (Get-XenVM 'fedora01').ToolsStatus -eq 'Optimized' }
        $linux = Get-XenVM 'fedora01'
        $linux.ToolsStatus | Should -Be 'Optimized'
        $linux.IPAddress | Should -Not -BeNullOrEmpty
        $linux.ToolsVersion | Should -Match '^\d+\.\d+'
        $windows = Get-XenVM 'winxp01'
        $windows.ToolsStatus | Should -Be 'NotInstalled'
        $windows.ToolsVersion | Should -Be ''
        (Get-XenVM -Repository 'NFS virtual disk storage').Name | Sort-Object | Should -Be @('fedora01', 'winxp01')
    }
}

Describe 'Stopping New-XenVM with Ctrl+C' {
    BeforeAll {
        # Normal clock speed, so the creation takes long enough to be stopped half-way.
        $script:sim = Start-XenSimulator -HostCount 2 -Preset pooled
        $script:connection = Connect-XenPool -Server $script:sim.Url -Credential $script:sim.Credential
    }
    AfterAll { Stop-TestPool }

    It 'removes the partly created VM and its disks, and says so' {
        $vmsBefore = @(Get-RawRecords VM).Count
        $vdisBefore = @(Get-RawRecords VDI).Count
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($ModulePath, $Connection)
                Import-Module $ModulePath
                New-XenVM -Name 'stopped01' -Template 'Windows 10 (64-bit)' -Connection $Connection -Confirm:$false
            }).AddArgument($modulePath).AddArgument($connection)
        $async = $ps.BeginInvoke()
        try {
            # Stop once the clone exists, while the disks are being provisioned.
            Wait-Until { @(Get-RawRecords VM | Where-Object name_label -EQ 'stopped01').Count -gt 0 }
            $ps.Stop()
            # The pipeline stops; the warning saying what was removed goes straight to the console.
            { $ps.EndInvoke($async) } | Should -Throw
        }
        finally {
            $ps.Dispose()
        }
        @(Get-RawRecords VM | Where-Object name_label -EQ 'stopped01') | Should -HaveCount 0
        @(Get-RawRecords VM).Count | Should -Be $vmsBefore
        @(Get-RawRecords VDI).Count | Should -Be $vdisBefore
    }
}
