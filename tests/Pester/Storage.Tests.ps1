BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $iqn = 'iqn.2026-11.local.lab:storage.target01'
    $smb = [pscredential]::new('isouser', (ConvertTo-SecureString 'isopass' -AsPlainText -Force))

    function Get-StorageCount {
        # SRs and PBDs straight from the API, to prove a failure left nothing behind.
        [pscustomobject]@{
            SR  = @((Invoke-XenApi SR.get_all_records).Keys).Count
            PBD = @((Invoke-XenApi PBD.get_all_records).Keys).Count
        }
    }

    function Start-XenTestPool {
        $script:sim = Start-XenSimulator -HostCount 3 -Preset pooled
        $script:connection = Connect-XenPool -Server $script:sim.Url -Credential $script:sim.Credential
    }

    function Stop-XenTestPool {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false
        if ($script:sim) { Stop-XenSimulator $script:sim }
    }
}

Describe 'New-XenNfsRepository' {
    BeforeEach { Start-XenTestPool }
    AfterEach { Stop-XenTestPool }

    It 'creates a shared NFS SR plugged on every host' {
        $sr = New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen -Description 'VM disks'
        $sr | Should -BeOfType XenHa.Repository
        $sr.Type | Should -Be 'nfs'
        $sr.Shared | Should -BeTrue
        $sr.ContentType | Should -Be ''
        $sr.HostsAttached | Should -Be '3/3'
        $sr.SizeGB | Should -BeGreaterThan 0
        $sr.DeviceConfig['server'] | Should -Be 'nas01'
        $sr.DeviceConfig['serverpath'] | Should -Be '/export/xen'
        $pbds = (Invoke-XenApi PBD.get_all_records).Values | Where-Object { $_.SR -eq $sr.OpaqueRef }
        @($pbds) | Should -HaveCount 3
        $pbds | ForEach-Object { $_.currently_attached | Should -BeTrue }
    }

    It 'passes the NFS version' {
        $sr = New-XenNfsRepository -Name 'NFS4' -Server nas01 -Path /export/xen -NfsVersion 4
        $sr.DeviceConfig['nfsversion'] | Should -Be '4'
    }

    It 'returns the same SR when run again, without a duplicate' {
        $first = New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen
        $second = New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen
        $second.Uuid | Should -Be $first.Uuid
        @(Get-XenRepository -Type nfs) | Should -HaveCount 1
    }

    It 'reattaches the SR that a forgotten repository left on the export' {
        $first = New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen
        Remove-XenRepository -Name 'NFS-SR' -Forget -Confirm:$false
        @(Get-XenRepository -Type nfs) | Should -HaveCount 0
        $again = New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen
        $again.Uuid | Should -Be $first.Uuid
        $again.HostsAttached | Should -Be '3/3'
    }

    It 'refuses to reattach with -NoReattach and changes nothing' {
        New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen | Out-Null
        Remove-XenRepository -Name 'NFS-SR' -Forget -Confirm:$false
        $before = Get-StorageCount
        { New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen -NoReattach -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaRepositoryExistsOnStorage,XenHa.Commands.NewXenNfsRepositoryCommand'
        (Get-StorageCount).SR | Should -Be $before.SR
        (Get-StorageCount).PBD | Should -Be $before.PBD
    }

    It 'surfaces the SM error for a wrong path and leaves no SR or PBD' {
        $before = Get-StorageCount
        $err = $null
        try { New-XenNfsRepository -Name 'Bad' -Server nas01 -Path /export/nope -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'SR_BACKEND_FAILURE_*,XenHa.Commands.NewXenNfsRepositoryCommand'
        $err.Exception.Message | Should -Match 'Storage back-end failure: \S'
        (Get-StorageCount).SR | Should -Be $before.SR
        (Get-StorageCount).PBD | Should -Be $before.PBD
        @(Get-XenRepository -Name 'Bad*') | Should -HaveCount 0
    }

    It 'surfaces the SM error for a wrong server' {
        { New-XenNfsRepository -Name 'Bad' -Server 192.0.2.99 -Path /export/xen -ErrorAction Stop } |
            Should -Throw -ErrorId 'SR_BACKEND_FAILURE_*'
        @(Get-XenRepository -Name 'Bad*') | Should -HaveCount 0
    }

    It 'creates nothing with -WhatIf' {
        $before = Get-StorageCount
        New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen -WhatIf | Should -BeNullOrEmpty
        (Get-StorageCount).SR | Should -Be $before.SR
    }
}

Describe 'Find-XenIscsiTarget' {
    BeforeAll { Start-XenTestPool }
    AfterAll { Stop-XenTestPool }

    It 'lists the IQNs of a portal' {
        $targets = @(Find-XenIscsiTarget -Target san01)
        $targets | Should -HaveCount 1
        $targets[0] | Should -BeOfType XenHa.IscsiTarget
        $targets[0].TargetIqn | Should -Be $iqn
        $targets[0].Port | Should -Be 3260
    }

    It 'lists the LUNs of an IQN with their SCSI ids and sizes' {
        $luns = @(Find-XenIscsiTarget -Target san01 -TargetIqn $iqn)
        $luns | Should -HaveCount 3
        $luns | ForEach-Object {
            $_ | Should -BeOfType XenHa.IscsiLun
            $_.ScsiId | Should -Not -BeNullOrEmpty
            $_.SizeGB | Should -BeGreaterThan 0
        }
        ($luns | Where-Object LunId -eq 1).SizeGB | Should -Be 1024
    }

    It 'leaves no discovery SR behind' {
        Find-XenIscsiTarget -Target san01 -TargetIqn $iqn | Out-Null
        @(Get-XenRepository -Name '__gui__*') | Should -HaveCount 0
    }

    It 'reports an unreachable portal with the SM error' {
        { Find-XenIscsiTarget -Target 192.0.2.99 -ErrorAction Stop } | Should -Throw -ErrorId 'SR_BACKEND_FAILURE_*'
    }
}

Describe 'New-XenIscsiRepository' {
    BeforeEach { Start-XenTestPool }
    AfterEach { Stop-XenTestPool }

    It 'creates a shared lvmoiscsi SR on the LUN chosen by number' {
        $sr = New-XenIscsiRepository -Name 'iSCSI-SR' -Target san01 -TargetIqn $iqn -Lun 0
        $sr.Type | Should -Be 'lvmoiscsi'
        $sr.Shared | Should -BeTrue
        $sr.HostsAttached | Should -Be '3/3'
        $lun0 = Find-XenIscsiTarget -Target san01 -TargetIqn $iqn | Where-Object LunId -eq 0
        $sr.DeviceConfig['SCSIid'] | Should -Be $lun0.ScsiId
        $sr.DeviceConfig['targetIQN'] | Should -Be $iqn
    }

    It 'discovers the IQN and takes a SCSI id' {
        $lun = Find-XenIscsiTarget -Target san01 -TargetIqn $iqn | Where-Object LunId -eq 2
        $sr = New-XenIscsiRepository -Name 'small' -Target san01 -ScsiId $lun.ScsiId
        $sr.DeviceConfig['SCSIid'] | Should -Be $lun.ScsiId
    }

    It 'returns the same SR when run again' {
        $first = New-XenIscsiRepository -Name 'iSCSI-SR' -Target san01 -Lun 1
        $second = New-XenIscsiRepository -Name 'iSCSI-SR' -Target san01 -Lun 1
        $second.Uuid | Should -Be $first.Uuid
        @(Get-XenRepository -Type lvmoiscsi) | Should -HaveCount 1
    }

    It 'asks for a LUN when the target has several, changing nothing' {
        $before = Get-StorageCount
        { New-XenIscsiRepository -Name 'iSCSI-SR' -Target san01 -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaIscsiLunAmbiguous,XenHa.Commands.NewXenIscsiRepositoryCommand'
        (Get-StorageCount).SR | Should -Be $before.SR
        (Get-StorageCount).PBD | Should -Be $before.PBD
    }

    It 'reports a LUN number the target does not have' {
        { New-XenIscsiRepository -Name 'iSCSI-SR' -Target san01 -Lun 9 -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaIscsiLunNotFound,XenHa.Commands.NewXenIscsiRepositoryCommand'
    }

    It 'surfaces the SM error for a wrong SCSI id and leaves nothing' {
        $before = Get-StorageCount
        { New-XenIscsiRepository -Name 'iSCSI-SR' -Target san01 -TargetIqn $iqn -ScsiId '36001405000000000000000000000bad' -ErrorAction Stop } |
            Should -Throw -ErrorId 'SR_BACKEND_FAILURE_*'
        (Get-StorageCount).SR | Should -Be $before.SR
        (Get-StorageCount).PBD | Should -Be $before.PBD
    }

    It 'creates nothing with -WhatIf' {
        $before = Get-StorageCount
        New-XenIscsiRepository -Name 'iSCSI-SR' -Target san01 -Lun 0 -WhatIf | Should -BeNullOrEmpty
        (Get-StorageCount).SR | Should -Be $before.SR
    }
}

Describe 'New-XenIsoLibrary' {
    BeforeEach { Start-XenTestPool }
    AfterEach { Stop-XenTestPool }

    It 'adds an SMB ISO library with a credential, without showing the password' {
        $iso = New-XenIsoLibrary -Name 'ISO library' -Location '\\192.0.2.30\isos' -Credential $smb
        $iso.Type | Should -Be 'iso'
        $iso.ContentType | Should -Be 'iso'
        $iso.Shared | Should -BeTrue
        $iso.HostsAttached | Should -Be '3/3'
        $iso.DeviceConfig['location'] | Should -Be '//192.0.2.30/isos'
        $iso.DeviceConfig['type'] | Should -Be 'cifs'
        ($iso.DeviceConfig.Values -join ' ') | Should -Not -Match 'isopass'
    }

    It 'adds an NFS ISO library' {
        $iso = New-XenIsoLibrary -Name 'NFS ISOs' -Location 'nas01:/export/iso'
        $iso.DeviceConfig['type'] | Should -Be 'nfs_iso'
    }

    It 'returns the same library when run again' {
        $first = New-XenIsoLibrary -Name 'ISO library' -Location '//192.0.2.30/isos' -Credential $smb
        $second = New-XenIsoLibrary -Name 'ISO library' -Location '//192.0.2.30/isos' -Credential $smb
        $second.Uuid | Should -Be $first.Uuid
        @(Get-XenRepository -Type iso) | Should -HaveCount 1
    }

    It 'rejects a location that is neither SMB nor NFS' {
        { New-XenIsoLibrary -Name 'x' -Location 'isos' -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaInvalidIsoLocation,XenHa.Commands.NewXenIsoLibraryCommand'
    }

    It 'surfaces the SM error for a wrong password and leaves nothing' {
        $before = Get-StorageCount
        $wrong = [pscredential]::new('isouser', (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
        { New-XenIsoLibrary -Name 'ISO library' -Location '//192.0.2.30/isos' -Credential $wrong -ErrorAction Stop } |
            Should -Throw -ErrorId 'SR_BACKEND_FAILURE_*'
        (Get-StorageCount).SR | Should -Be $before.SR
        (Get-StorageCount).PBD | Should -Be $before.PBD
    }

    It 'creates nothing with -WhatIf' {
        $before = Get-StorageCount
        New-XenIsoLibrary -Name 'ISO library' -Location '//192.0.2.30/isos' -Credential $smb -WhatIf
        (Get-StorageCount).SR | Should -Be $before.SR
    }
}

Describe 'Get-XenRepository' {
    BeforeAll {
        Start-XenTestPool
        New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen | Out-Null
        New-XenIsoLibrary -Name 'ISO library' -Location 'nas01:/export/iso' | Out-Null
    }
    AfterAll { Stop-XenTestPool }

    It 'lists every SR with sizes and attachment counts' {
        $all = @(Get-XenRepository)
        $raw = Invoke-XenApi SR.get_all_records
        $all | Should -HaveCount @($raw.Keys).Count
        $all | ForEach-Object { $_.HostsAttached | Should -Match '^\d+/\d+$'; $_.Connection | Should -Not -BeNullOrEmpty }
    }

    It 'filters by wildcard, type and shared' {
        (Get-XenRepository -Name 'NFS*').Name | Should -Be 'NFS-SR'
        @(Get-XenRepository -Type iso).Name | Should -Be @('ISO library')
        @(Get-XenRepository -Shared).Name | Sort-Object | Should -Be @('ISO library', 'NFS-SR')
        @(Get-XenRepository -Shared:$false) | ForEach-Object { $_.Shared | Should -BeFalse }
    }

    It 'gets by UUID and from piped pools' {
        $nfs = Get-XenRepository 'NFS-SR'
        (Get-XenRepository -Uuid $nfs.Uuid).Name | Should -Be 'NFS-SR'
        @(Get-XenPool | Get-XenRepository -Type nfs) | Should -HaveCount 1
    }

    It 'reports a literal name that matches nothing' {
        { Get-XenRepository 'no-such-sr' -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaRepositoryNotFound,XenHa.Commands.GetXenRepositoryCommand'
        @(Get-XenRepository 'no-such-*') | Should -HaveCount 0
    }
}

Describe 'Remove-XenRepository' {
    BeforeEach {
        Start-XenTestPool
        $nfs = New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen
    }
    AfterEach { Stop-XenTestPool }

    It 'destroys the SR, its PBDs and its data on the export' {
        Set-XenPool -DefaultRepository 'NFS-SR'
        Get-XenRepository 'NFS-SR' | Remove-XenRepository -Confirm:$false
        @(Get-XenRepository -Type nfs) | Should -HaveCount 0
        @((Invoke-XenApi PBD.get_all_records).Values | Where-Object SR -eq $nfs.OpaqueRef) | Should -HaveCount 0
        (Get-XenPool).DefaultRepository | Should -Be ''
        # Destroyed: a new SR on the same export gets a new UUID.
        (New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen).Uuid | Should -Not -Be $nfs.Uuid
    }

    It 'forgets the SR with -Forget, keeping the data' {
        Remove-XenRepository -Uuid $nfs.Uuid -Forget -Confirm:$false
        @(Get-XenRepository -Type nfs) | Should -HaveCount 0
        (New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen).Uuid | Should -Be $nfs.Uuid
    }

    It 'changes nothing with -WhatIf' {
        Remove-XenRepository -Name 'NFS-SR' -WhatIf
        (Get-XenRepository 'NFS-SR').HostsAttached | Should -Be '3/3'
    }

    It 'refuses an SR whose disks a running VM uses, before unplugging anything' {
        $vdi = Invoke-XenApi VDI.create -ArgumentList @{ SR = $nfs.OpaqueRef; virtual_size = '1073741824'; type = 'user'; sharable = $false; read_only = $false; other_config = @{}; name_label = 'disk0' }
        $template = (Invoke-XenApi VM.get_all_records).GetEnumerator() | Where-Object { $_.Value.is_a_template } | Select-Object -First 1
        $vm = Invoke-XenApi VM.clone -ArgumentList $template.Key, 'app01'
        Invoke-XenApi VM.set_is_a_template -ArgumentList $vm, $false
        Invoke-XenApi VBD.create -ArgumentList @{ VM = $vm; VDI = $vdi; userdevice = '0'; bootable = $true; mode = 'RW'; type = 'Disk'; empty = $false; other_config = @{}; qos_algorithm_type = ''; qos_algorithm_params = @{} } | Out-Null
        Invoke-XenApi VM.start -ArgumentList $vm, $false, $false
        { Remove-XenRepository -Name 'NFS-SR' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaRepositoryInUse,XenHa.Commands.RemoveXenRepositoryCommand'
        (Get-XenRepository 'NFS-SR').HostsAttached | Should -Be '3/3'
    }

    It 'reports a name that matches nothing' {
        { Remove-XenRepository -Name 'no-such-sr' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaRepositoryNotFound,XenHa.Commands.RemoveXenRepositoryCommand'
    }
}

Describe 'Get-XenNetwork' {
    BeforeAll { Start-XenTestPool }
    AfterAll { Stop-XenTestPool }

    It 'lists the management network with a PIF on every host' {
        $networks = @(Get-XenNetwork)
        $networks | Should -Not -BeNullOrEmpty
        $management = $networks | Where-Object IsManagement
        $management | Should -Not -BeNullOrEmpty
        $management.HostCount | Should -Be 3
        $management.Bridge | Should -Not -BeNullOrEmpty
        $management.MTU | Should -BeGreaterThan 0
        $management | Should -BeOfType XenHa.NetworkInfo
    }

    It 'filters by name and uuid and reports a literal miss' {
        $first = @(Get-XenNetwork)[0]
        (Get-XenNetwork -Uuid $first.Uuid).Name | Should -Be $first.Name
        @(Get-XenNetwork -Name 'no-such-*') | Should -HaveCount 0
        { Get-XenNetwork -Name 'no-such-network' -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaNetworkNotFound,XenHa.Commands.GetXenNetworkCommand'
    }
}
