BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Start-XenSimulator' {
    It 'starts fresh standalone hosts, each with its own endpoint' {
        $sim = Start-XenSimulator -HostCount 3
        try {
            $sim | Should -BeOfType XenHa.SimulatorInstance
            $sim.HostUrls | Should -HaveCount 3
            $sim.Url | Should -Be $sim.HostUrls[0]
            $sim.HasExited | Should -BeFalse
            (Get-Process -Id $sim.ProcessId).Id | Should -Be $sim.ProcessId
            $sim.Credential.UserName | Should -Be 'root'
            # Fresh hosts are pools of one: every endpoint accepts a login of its own.
            foreach ($url in $sim.HostUrls) {
                $c = Connect-XenPool -Server $url -Credential $sim.Credential
                @(Get-XenHost -Connection $c) | Should -HaveCount 1
                Disconnect-XenPool $c
            }
        }
        finally {
            Stop-XenSimulator $sim
        }
    }

    It 'uses the credential it is given' {
        $cred = [pscredential]::new('root', (ConvertTo-SecureString 'given-password' -AsPlainText -Force))
        $sim = Start-XenSimulator -HostCount 1 -Credential $cred
        try {
            $c = Connect-XenPool -Server $sim.Url -Credential $cred
            $c.IsConnected | Should -BeTrue
            Disconnect-XenPool $c
        }
        finally {
            Stop-XenSimulator $sim
        }
    }

    It 'shows no share or CHAP password of -ArgumentList in its verbose output' {
        $arguments = '--cifs', '//192.0.2.30/isos,isouser:Cifs-S3cret!', '--iscsi', '192.0.2.20,iqn.2026-11.local.lab:t1,100,chap:Chap-S3cret!'
        $verbose = Start-XenSimulator -HostCount 1 -ArgumentList $arguments -Verbose 4>&1
        $sim = $verbose | Where-Object { $_ -is [XenHa.SimulatorInstance] }
        try {
            $text = ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n"
            $text | Should -Match 'isouser:\*\*\*'
            $text | Should -Match 'chap:\*\*\*'
            $text | Should -Not -Match 'S3cret'
        }
        finally {
            Stop-XenSimulator $sim
        }
    }

    It 'keeps the farm in -StatePath and restores it on the next start' {
        $state = Join-Path $TestDrive 'farm-state.json'
        $sim = Start-XenSimulator -Preset pooled -StatePath $state
        try {
            $c = Connect-XenPool -Server $sim.Url -Credential $sim.Credential
            Set-XenPool -Connection $c -Name 'kept-pool'
            $hosts = Get-XenHost -Connection $c | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Uuid)" }
            Disconnect-XenPool $c
        }
        finally {
            Stop-XenSimulator $sim
        }
        Test-Path $state | Should -BeTrue

        $again = Start-XenSimulator -HostCount 1 -StatePath $state -Credential $sim.Credential
        try {
            $again.HostUrls | Should -HaveCount 3
            $c = Connect-XenPool -Server $again.Url -Credential $sim.Credential
            (Get-XenPool -Connection $c).Name | Should -Be 'kept-pool'
            Get-XenHost -Connection $c | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Uuid)" } | Should -Be $hosts
            Disconnect-XenPool $c
        }
        finally {
            Stop-XenSimulator $again
        }
    }

    It 'starts nothing with -WhatIf' {
        $result = Start-XenSimulator -HostCount 1 -WhatIf
        $result | Should -BeNullOrEmpty
    }

    It 'fails with XenHaSimulatorNotFound for a missing simulator' {
        { Start-XenSimulator -SimulatorPath (Join-Path $TestDrive 'nope.dll') -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaSimulatorNotFound,XenHa.Commands.StartXenSimulatorCommand'
    }

    It 'fails with XenHaSimulatorStartFailed and the simulator''s own error when it cannot start' {
        $err = $null
        try { Start-XenSimulator -ArgumentList '--no-such-option' -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'XenHaSimulatorStartFailed,XenHa.Commands.StartXenSimulatorCommand'
        $err.Exception.Message | Should -Match 'no-such-option'
    }
}

Describe 'Stop-XenSimulator' {
    It 'stops the process' {
        $sim = Start-XenSimulator -HostCount 1
        Stop-XenSimulator $sim
        $sim.HasExited | Should -BeTrue
    }

    It 'leaves it running with -WhatIf' {
        $sim = Start-XenSimulator -HostCount 1
        try {
            Stop-XenSimulator $sim -WhatIf
            $sim.HasExited | Should -BeFalse
        }
        finally {
            Stop-XenSimulator $sim
        }
    }

    It 'stops every simulator of the session with -All' {
        $a = Start-XenSimulator -HostCount 1
        $b = Start-XenSimulator -HostCount 1
        Stop-XenSimulator -All
        $a.HasExited | Should -BeTrue
        $b.HasExited | Should -BeTrue
    }
}

Describe 'The simulator seen by an independent client (Python xmlrpc.client)' {
    BeforeAll {
        $python = Get-Command python3 -ErrorAction SilentlyContinue
        if ($python) { $sim = Start-XenSimulator -HostCount 3 -Preset pooled-with-vms }
    }
    AfterAll { if ($sim) { Stop-XenSimulator $sim } }

    It 'logs in, lists VMs, is redirected by a member and refused a bad password' {
        if (-not $python) {
            Set-ItResult -Skipped -Because 'python3 is not installed on this machine'
            return
        }
        $script = Join-Path $PSScriptRoot '../Interop/xmlrpc_client_check.py'
        $password = $sim.Credential.GetNetworkCredential().Password
        $output = & $python.Source $script $sim.Url root $password $sim.HostUrls[1] $sim.HostUrls[2] 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
    }
}
