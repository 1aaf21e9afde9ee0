# Article steps 3 to 4b: three fresh hosts become the pool "XenHA-Pool" with shared NFS, iSCSI and
# CIFS ISO storage and a default SR, from one script that is safe to run twice.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $sim = Start-XenSimulator -HostCount 3 -Speed 20

    $buildPool = {
        param($Simulator)
        $isoUser = [pscredential]::new('isouser', (ConvertTo-SecureString 'isopass' -AsPlainText -Force))
        # Step 3-4: connect and build the pool (pool.join is called on each joining host).
        $pool = New-XenPool -Name 'XenHA-Pool' -Coordinator $Simulator.HostUrls[0] -Member $Simulator.HostUrls[1], $Simulator.HostUrls[2] `
            -Credential $Simulator.Credential -ErrorAction Stop
        # Step 4b: shared storage, probed first and reattached or reused, never duplicated.
        $nfs = New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen -ErrorAction Stop
        $iscsi = New-XenIscsiRepository -Name 'iSCSI-SR' -Target san01 -Lun 0 -ErrorAction Stop
        $iso = New-XenIsoLibrary -Name 'ISO library' -Location '\\192.0.2.30\isos' -Credential $isoUser -ErrorAction Stop
        Set-XenPool -DefaultRepository $nfs -ErrorAction Stop
        [pscustomobject]@{ Pool = $pool; Nfs = $nfs; Iscsi = $iscsi; Iso = $iso }
    }

    function Get-ArticleState {
        $pool = Get-XenPool
        [pscustomobject]@{
            Pool        = $pool.Name
            Uuid        = $pool.Uuid
            Coordinator = $pool.Coordinator
            Hosts       = (@(Get-XenHost | Where-Object { $_.Enabled -and $_.Live }).Name | Sort-Object) -join ','
            Default     = $pool.DefaultRepository
            Shared      = (@(Get-XenRepository -Shared | ForEach-Object { '{0}:{1}:{2}:{3}' -f $_.Name, $_.Type, $_.Uuid, $_.HostsAttached }) | Sort-Object) -join ';'
        }
    }

    $first = & $buildPool $sim
    $afterFirst = Get-ArticleState
    $second = & $buildPool $sim
    $afterSecond = Get-ArticleState
}

AfterAll {
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    if ($sim) { Stop-XenSimulator $sim }
}

Describe 'Article steps 3-4b: pool and shared storage' {
    Context 'After the first run' {
        It 'has one pool named like the article with the three hosts enabled and live' {
            $first.Pool.Name | Should -Be 'XenHA-Pool'
            $afterFirst.Coordinator | Should -Be 'xennode01'
            $afterFirst.Hosts | Should -Be 'xennode01,xennode02,xennode03'
        }

        It 'has NFS, iSCSI and ISO repositories shared and plugged on all three hosts' {
            foreach ($sr in $first.Nfs, $first.Iscsi, $first.Iso) {
                $sr | Should -Not -BeNullOrEmpty
                $sr.Shared | Should -BeTrue
                $sr.HostsAttached | Should -Be '3/3'
            }
            $first.Nfs.Type | Should -Be 'nfs'
            $first.Iscsi.Type | Should -Be 'lvmoiscsi'
            $first.Iso.Type | Should -Be 'iso'
            $pbds = @((Invoke-XenApi PBD.get_all_records).Values | Where-Object { $_.SR -in $first.Nfs.OpaqueRef, $first.Iscsi.OpaqueRef, $first.Iso.OpaqueRef })
            $pbds | Should -HaveCount 9
            $pbds | ForEach-Object { $_.currently_attached | Should -BeTrue }
        }

        It 'has the NFS repository as the default' {
            $afterFirst.Default | Should -Be 'NFS-SR'
            (Get-XenRepository 'NFS-SR').IsDefault | Should -BeTrue
        }
    }

    Context 'After running the same script again' {
        It 'returns the same pool and the same repositories' {
            $second.Pool.Uuid | Should -Be $first.Pool.Uuid
            $second.Nfs.Uuid | Should -Be $first.Nfs.Uuid
            $second.Iscsi.Uuid | Should -Be $first.Iscsi.Uuid
            $second.Iso.Uuid | Should -Be $first.Iso.Uuid
        }

        It 'leaves the pool exactly as the first run did, with no duplicate SR' {
            $afterSecond | Should -Not -BeNullOrEmpty
            foreach ($property in 'Pool', 'Uuid', 'Coordinator', 'Hosts', 'Default', 'Shared') {
                $afterSecond.$property | Should -Be $afterFirst.$property
            }
            @(Get-XenRepository -Shared) | Should -HaveCount 3
            @(Get-XenPool).Count | Should -Be 1
        }
    }
}
