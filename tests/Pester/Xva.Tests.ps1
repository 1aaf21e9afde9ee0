# Export-XenVM / Import-XenVM (issue 9): XVA round trip between two simulated pools (two simulator
# processes), -Restore, refusals (running VM, corrupt or truncated file), -WhatIf, and Ctrl+C.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    function Get-XvaDiskChunk {
        # The disk chunks of an uncompressed XVA: chunk number -> SHA-256 of its bytes (ova.xml and checksum files left out).
        param([Parameter(Mandatory)] [string] $Path)
        $chunks = [ordered]@{}
        $stream = [System.IO.File]::OpenRead($Path)
        try {
            $header = [byte[]]::new(512)
            $sha = [System.Security.Cryptography.SHA256]::Create()
            while ($stream.Read($header, 0, 512) -eq 512) {
                $name = [System.Text.Encoding]::ASCII.GetString($header, 0, 100).TrimEnd([char]0)
                if (-not $name) { break }
                $size = [Convert]::ToInt64([System.Text.Encoding]::ASCII.GetString($header, 124, 12).Trim([char]0, ' '), 8)
                $data = [byte[]]::new($size)
                $read = 0
                while ($read -lt $size) { $read += $stream.Read($data, $read, $size - $read) }
                $null = $stream.Seek((512 - $size % 512) % 512, 'Current')
                if ($name -match '^Ref:\d+/(\d{8})$') { $chunks[$Matches[1]] = [Convert]::ToHexString($sha.ComputeHash($data)) }
            }
        }
        finally { $stream.Dispose() }
        $chunks
    }

    function Get-VmConfiguration {
        # What must survive a move to another pool, from the raw records of one VM.
        param([Parameter(Mandatory)] $Vm)
        $c = $Vm.Connection
        $r = $Vm.Record
        $vbds = foreach ($vbd in $r.VBDs) {
            $b = Invoke-XenApi VBD.get_record $vbd.OpaqueRef -Connection $c
            $d = if ($b.VDI -ne 'OpaqueRef:NULL') { Invoke-XenApi VDI.get_record $b.VDI -Connection $c }
            '{0}|{1}|{2}|{3}|{4}|{5}|{6}' -f $b.userdevice, $b.bootable, $b.mode, $b.type, $d.name_label, $d.virtual_size, $d.type
        }
        $vifs = foreach ($vif in $r.VIFs) {
            $v = Invoke-XenApi VIF.get_record $vif.OpaqueRef -Connection $c
            '{0}|{1}|{2}' -f $v.device, $v.MTU, (Invoke-XenApi network.get_name_label $v.network -Connection $c)
        }
        [pscustomobject]@{
            Name = $r.NameLabel; Description = $r.NameDescription; Memory = $r.MemoryStaticMax; DynamicMax = $r.MemoryDynamicMax
            Cpus = $r.VCPUsMax; CpusAtStartup = $r.VCPUsAtStartup; Boot = $r.HVMBootPolicy; Platform = ($r.Platform.GetEnumerator() | Sort-Object Key | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ';'
            DomainType = $r.DomainType; Disks = ($vbds | Sort-Object) -join ','; Nics = ($vifs | Sort-Object) -join ','
        }
    }

    function Get-VifMac {
        param([Parameter(Mandatory)] $Vm)
        foreach ($vif in $Vm.Record.VIFs) { Invoke-XenApi VIF.get_MAC $vif.OpaqueRef -Connection $Vm.Connection }
    }

    $script:source = Start-XenSimulator -HostCount 2 -Preset pooled-with-vms -Speed 50 -ArgumentList '--disk-content-mb', '6'
    $script:target = Start-XenSimulator -HostCount 1 -Speed 50
    $script:to = Connect-XenPool -Server $target.Url -Credential $target.Credential
    # Connected last, so the source pool is the default connection.
    $script:from = Connect-XenPool -Server $source.Url -Credential $source.Credential
}

AfterAll {
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    foreach ($sim in $script:source, $script:target, $script:slow) { if ($sim) { Stop-XenSimulator $sim } }
}

Describe 'Export-XenVM and Import-XenVM' {
    Context 'Round trip to another pool' {
        BeforeAll {
            $script:vm = Get-XenVM xennode01-vm2 -Connection $from
            $script:file = Join-Path $TestDrive 'vm2.xva'
            $script:exported = Export-XenVM xennode01-vm2 -Path $file -Confirm:$false
        }

        It 'writes the XVA under its final name and leaves no partial file' {
            $exported | Should -BeOfType XenHa.VmExport
            $exported.Path | Should -Be $file
            $exported.VmName | Should -Be 'xennode01-vm2'
            $exported.SizeMB | Should -Be ([math]::Round((Get-Item $file).Length / 1MB, 1))
            Test-Path "$file.partial" | Should -BeFalse
            (Get-XvaDiskChunk $file).Count | Should -BeGreaterThan 2
        }

        It 'imports into the second pool with the same disk bytes and configuration (uuids, MACs, refs and SR are new)' {
            $before = @((Get-XenVM -Connection $to).Count)
            $imported = Import-XenVM -Path $file -Repository 'Local storage' -Connection $to -Confirm:$false
            $imported | Should -BeOfType XenHa.Vm
            $imported.Connection | Should -Be $to
            (Get-XenVM -Connection $to).Count | Should -Be ($before[0] + 1)
            $imported.Uuid | Should -Not -Be $vm.Uuid
            (Get-VifMac $imported) | Should -Not -Be (Get-VifMac $vm)
            $imported.Affinity | Should -Be ''
            (Get-VmConfiguration $imported | ConvertTo-Json) | Should -Be (Get-VmConfiguration $vm | ConvertTo-Json)

            $again = Join-Path $TestDrive 'again.xva'
            Export-XenVM -VM $imported -Path $again -Confirm:$false | Out-Null
            $a = Get-XvaDiskChunk $file
            $b = Get-XvaDiskChunk $again
            ($b.Keys -join ',') | Should -Be ($a.Keys -join ',')
            ($b.Values -join ',') | Should -Be ($a.Values -join ',')
        }

        It 'keeps the identity with -Restore and the restored VM boots (-Start)' {
            $restored = Import-XenVM $file -Repository 'Local storage' -Connection $to -Restore -Start -Name 'restored' -Confirm:$false
            $restored.Uuid | Should -Be $vm.Uuid
            $restored.Name | Should -Be 'restored'
            $restored.PowerState | Should -Be 'Running'
            (Get-VifMac $restored) | Should -Be (Get-VifMac $vm)
        }

        It 'exports several piped VMs into a folder, one file each, compressed' {
            $copy = Invoke-XenApi VM.clone -ArgumentList (Get-XenVM xennode01-vm2 -Connection $from).OpaqueRef, 'vm2-copy' -Confirm:$false
            $copy | Should -Match '^OpaqueRef:'
            $folder = Join-Path $TestDrive 'many'
            New-Item -ItemType Directory $folder | Out-Null
            $files = @(Get-XenVM 'xennode01-vm2', 'vm2-copy' -Connection $from | Export-XenVM -Path $folder -Compress -Confirm:$false)
            $files | Should -HaveCount 2
            ($files.Path | Split-Path -Leaf | Sort-Object) -join ',' | Should -Be 'vm2-copy.xva,xennode01-vm2.xva'
            $bytes = [System.IO.File]::ReadAllBytes($files[0].Path)
            $bytes[0] | Should -Be 0x1f
            $bytes[1] | Should -Be 0x8b
            $back = $files | Import-XenVM -Repository 'Local storage' -Connection $to -Confirm:$false
            @($back).Count | Should -Be 2
        }
    }

    Context 'Local storage of another host' {
        It 'follows the redirect to the host that owns the disks, for export and import' {
            # xennode02-vm2's disk is on xennode02's local storage; the connection is to the coordinator xennode01.
            $path = Join-Path $TestDrive 'vm-on-02.xva'
            $out = Export-XenVM xennode02-vm2 -Path $path -Confirm:$false
            $out.SizeMB | Should -BeGreaterThan 1
            $srUuid = (Get-XenRepository -Connection $from | Where-Object { $_.Name -eq 'Local storage' -and $_.Hosts -contains 'xennode02' }).Uuid
            $srUuid | Should -Not -BeNullOrEmpty
            $copy = Import-XenVM $path -Repository $srUuid -Name 'vm-on-02-copy' -Connection $from -Confirm:$false
            $copy.Name | Should -Be 'vm-on-02-copy'
            $vdi = Invoke-XenApi VBD.get_VDI -ArgumentList $copy.Record.VBDs[0].OpaqueRef -Connection $from
            (Invoke-XenApi SR.get_uuid -ArgumentList (Invoke-XenApi VDI.get_SR -ArgumentList $vdi -Connection $from) -Connection $from) | Should -Be $srUuid
        }
    }

    Context 'Refusals' {
        It 'refuses to export a running VM with the xapi error VM_BAD_POWER_STATE and writes nothing' {
            $path = Join-Path $TestDrive 'running.xva'
            { Export-XenVM xennode01-vm1 -Path $path -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'VM_BAD_POWER_STATE,XenHa.Commands.ExportXenVMCommand'
            Test-Path $path | Should -BeFalse
            Test-Path "$path.partial" | Should -BeFalse
            (Get-XenVM xennode01-vm1 -Connection $from).Record.CurrentOperations.Count | Should -Be 0
        }

        It 'does not overwrite a file without -Force, and does with it' {
            $path = Join-Path $TestDrive 'exists.xva'
            Set-Content $path 'old'
            { Export-XenVM xennode01-vm2 -Path $path -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'XenHaExportFileExists,XenHa.Commands.ExportXenVMCommand'
            Get-Content $path | Should -Be 'old'
            Export-XenVM xennode01-vm2 -Path $path -Force -Confirm:$false | Out-Null
            (Get-Item $path).Length | Should -BeGreaterThan 1MB
        }

        It 'refuses a corrupt XVA with IMPORT_ERROR and creates nothing' {
            $good = Join-Path $TestDrive 'good.xva'
            Export-XenVM xennode01-vm2 -Path $good -Confirm:$false | Out-Null
            $bytes = [System.IO.File]::ReadAllBytes($good)
            $bytes[$bytes.Length - 2MB] = $bytes[$bytes.Length - 2MB] -bxor 0xff
            $bad = Join-Path $TestDrive 'corrupt.xva'
            [System.IO.File]::WriteAllBytes($bad, $bytes)
            $vms = (Invoke-XenApi VM.get_all -Connection $to).Count
            $vdis = (Invoke-XenApi VDI.get_all -Connection $to).Count
            { Import-XenVM $bad -Repository 'Local storage' -Connection $to -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'IMPORT_ERROR,XenHa.Commands.ImportXenVMCommand'
            $err = $null
            Import-XenVM $bad -Repository 'Local storage' -Connection $to -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            "$err" | Should -Match 'checksum failed'
            (Invoke-XenApi VM.get_all -Connection $to).Count | Should -Be $vms
            (Invoke-XenApi VDI.get_all -Connection $to).Count | Should -Be $vdis
        }

        It 'refuses a truncated XVA with IMPORT_ERROR_PREMATURE_EOF and creates nothing' {
            $good = Join-Path $TestDrive 'good2.xva'
            Export-XenVM xennode01-vm2 -Path $good -Confirm:$false | Out-Null
            $bytes = [System.IO.File]::ReadAllBytes($good)
            $cut = Join-Path $TestDrive 'truncated.xva'
            $half = [byte[]]::new([int]($bytes.Length / 2))
            [Array]::Copy($bytes, $half, $half.Length)
            [System.IO.File]::WriteAllBytes($cut, $half)
            $vms = (Invoke-XenApi VM.get_all -Connection $to).Count
            { Import-XenVM $cut -Repository 'Local storage' -Connection $to -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'IMPORT_ERROR_PREMATURE_EOF,XenHa.Commands.ImportXenVMCommand'
            (Invoke-XenApi VM.get_all -Connection $to).Count | Should -Be $vms
        }

        It 'reports a missing file and an unknown repository' {
            { Import-XenVM (Join-Path $TestDrive 'nope.xva') -Repository 'Local storage' -Connection $to -ErrorAction Stop } |
                Should -Throw -ErrorId 'XenHaImportFileNotFound,XenHa.Commands.ImportXenVMCommand'
            Set-Content (Join-Path $TestDrive 'any.xva') 'x'
            { Import-XenVM (Join-Path $TestDrive 'any.xva') -Repository 'No such SR' -Connection $to } |
                Should -Throw -ErrorId 'XenHaRepositoryNotFound,XenHa.Commands.ImportXenVMCommand'
        }

        It 'changes nothing with -WhatIf' {
            $path = Join-Path $TestDrive 'whatif.xva'
            Export-XenVM xennode01-vm2 -Path $path -WhatIf
            Test-Path $path | Should -BeFalse
            Set-Content (Join-Path $TestDrive 'whatif-in.xva') 'x'
            $vms = (Invoke-XenApi VM.get_all -Connection $to).Count
            Import-XenVM (Join-Path $TestDrive 'whatif-in.xva') -Repository 'Local storage' -Connection $to -WhatIf
            (Invoke-XenApi VM.get_all -Connection $to).Count | Should -Be $vms
        }
    }

    Context 'Cancellation' {
        It 'Ctrl+C (StopProcessing) mid-export cancels the server task and leaves no partial file' {
            # Disks with 2 GiB of data, so the export is still streaming when the pipeline is stopped.
            $script:slow = Start-XenSimulator -HostCount 1 -Preset pooled-with-vms -ArgumentList '--disk-content-mb', '2048'
            $path = Join-Path $TestDrive 'cancelled.xva'
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Module, $Url, $Credential, $Path)
                        Import-Module $Module
                        Connect-XenPool -Server $Url -Credential $Credential | Out-Null
                        Export-XenVM xennode01-vm2 -Path $Path -Confirm:$false
                    }).AddArgument((Join-Path (Get-Module XenHa).ModuleBase 'XenHa.psd1')).AddArgument($slow.Url).AddArgument($slow.Credential).AddArgument($path)
                $null = $ps.BeginInvoke()
                for ($i = 0; $i -lt 300; $i++) {
                    if ((Test-Path "$path.partial") -and (Get-Item "$path.partial").Length -gt 4MB) { break }
                    Start-Sleep -Milliseconds 50
                }
                (Get-Item "$path.partial").Length | Should -BeGreaterThan 4MB
                $ps.Stop()
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            }
            finally { $ps.Dispose() }
            Test-Path $path | Should -BeFalse
            Test-Path "$path.partial" | Should -BeFalse
            $c = Connect-XenPool -Server $slow.Url -Credential $slow.Credential
            try {
                $ops = $null
                for ($i = 0; $i -lt 100; $i++) {
                    $ops = (Get-XenVM xennode01-vm2 -Connection $c).Record.CurrentOperations
                    if ($ops.Count -eq 0) { break }
                    Start-Sleep -Milliseconds 50
                }
                $ops.Count | Should -Be 0
            }
            finally { Disconnect-XenPool $c -Confirm:$false }
        }
    }
}
