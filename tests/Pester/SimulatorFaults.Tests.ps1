# Simulator fault cmdlets (issue 5): Get-XenSimulatorState, Stop-/Start-XenSimulatorHost and
# Add-/Get-/Remove-XenSimulatorFault over xensim's control plane. Each Describe starts its own simulator.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    function Wait-Until {
        # Polls a condition with a bounded wait.
        param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $TimeoutSeconds = 30)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            if (& $Condition) { return $true }
            Start-Sleep -Milliseconds 100
        }
        return $false
    }

    function Start-FaultPool {
        # A three-host pool with a shared NFS repository.
        $script:sim = Start-XenSimulator -HostCount 3 -Preset pooled -Speed 50
        $script:connection = Connect-XenPool -Server $script:sim.Url -Credential $script:sim.Credential
        $coordinator = Get-XenHost -Connection $script:connection | Where-Object IsCoordinator
        Invoke-XenApi SR.create -Connection $script:connection -ArgumentList $coordinator, @{ server = '192.0.2.10'; serverpath = '/export/xen' },
            0, 'NFS VM storage', 'Shared VM disks', 'nfs', 'user', $true, @{} -Confirm:$false | Should -Match '^OpaqueRef:'
    }

    function Stop-FaultPool {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false
        if ($script:sim) { Stop-XenSimulator $script:sim; $script:sim = $null }
    }

    function New-InstanceWithoutControlPlane {
        # A SimulatorInstance as an older xensim (no control= on its ready line) would give.
        $ctor = [XenHa.SimulatorInstance].GetConstructors([System.Reflection.BindingFlags]'NonPublic,Instance')[0]
        $cred = [pscredential]::new('root', (ConvertTo-SecureString 'x' -AsPlainText -Force))
        $ctor.Invoke(@([System.Diagnostics.Process]::GetCurrentProcess(), 'https://127.0.0.1:1/', [string[]] @('https://127.0.0.1:1/'), '', $cred, 1, 'none', '', ''))
    }
}

Describe 'Start-XenSimulator control plane' {
    BeforeAll { $script:sim = Start-XenSimulator -HostCount 1 }
    AfterAll { Stop-XenSimulator $script:sim }

    It 'announces a loopback control URL and keeps the token out of sight' {
        $script:sim.ControlUrl | Should -Match '^http://127\.0\.0\.1:\d+/$'
        $script:sim.PSObject.Properties.Name | Should -Not -Contain 'Token'
        $script:sim.PSObject.Properties.Name | Should -Not -Contain 'ControlToken'
        ($script:sim | Format-List * | Out-String) | Should -Not -Match '[0-9a-f]{64}'
    }

    It 'refuses requests without the token' {
        $err = $null
        try { Invoke-RestMethod -Uri ($script:sim.ControlUrl + 'state') -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        [int] $err.Exception.Response.StatusCode | Should -Be 401
    }
}

Describe 'Get-XenSimulatorState' {
    BeforeAll { Start-FaultPool }
    AfterAll { Stop-FaultPool }

    It 'reports every host with power, liveness and role' {
        $state = Get-XenSimulatorState -Simulator $script:sim
        $state | Should -HaveCount 3
        $state | ForEach-Object { $_ | Should -BeOfType XenHa.SimulatorHostState }
        $state.Name | Should -Be @('xennode01', 'xennode02', 'xennode03')
        ($state | Where-Object IsCoordinator).Name | Should -Be 'xennode01'
        $state | ForEach-Object { $_.Power | Should -Be 'On'; $_.Live | Should -BeTrue; $_.Isolated | Should -BeFalse }
        $state[0].Simulator | Should -Be $script:sim
    }

    It 'filters by name with wildcards and takes the simulator from the pipeline' {
        ($script:sim | Get-XenSimulatorState -Name 'xennode0[23]').Name | Should -Be @('xennode02', 'xennode03')
    }

    It 'uses the simulator started last when none is given' {
        (Get-XenSimulatorState xennode02).Name | Should -Be 'xennode02'
    }

    It 'reports an unknown host with XenHaHostNotFound' {
        { Get-XenSimulatorState -Simulator $script:sim -Name 'nosuchnode' -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaHostNotFound,XenHa.Commands.GetXenSimulatorStateCommand'
    }

    It 'fails with XenHaSimulatorNoControlPlane for a simulator without a control plane' {
        $old = New-InstanceWithoutControlPlane
        $old.ControlUrl | Should -Be ''
        { Get-XenSimulatorState -Simulator $old -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaSimulatorNoControlPlane,XenHa.Commands.GetXenSimulatorStateCommand'
    }

    It 'fails with XenHaSimulatorExited for a stopped simulator' {
        $gone = Start-XenSimulator -HostCount 1
        Stop-XenSimulator $gone
        { Get-XenSimulatorState -Simulator $gone -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaSimulatorExited,XenHa.Commands.GetXenSimulatorStateCommand'
    }
}

Describe 'Stop-XenSimulatorHost and Start-XenSimulatorHost' {
    BeforeAll { Start-FaultPool }
    AfterAll { Stop-FaultPool }
    AfterEach {
        Get-XenSimulatorState -Simulator $script:sim | Where-Object Power -eq 'Off' |
            Start-XenSimulatorHost -Confirm:$false
    }

    It 'pulls the power: the host stops answering and leaves the liveset; power on brings it back' {
        $state = Stop-XenSimulatorHost -Simulator $script:sim -Name xennode03 -Confirm:$false -PassThru
        $state.Name | Should -Be 'xennode03'
        $state.Power | Should -Be 'Off'
        { Connect-XenPool -Server $script:sim.HostUrls[2] -Credential $script:sim.Credential -ErrorAction Stop } | Should -Throw
        # No HA: the coordinator marks it not live after its timeout on the (fast) simulator clock.
        Wait-Until -TimeoutSeconds 60 { -not (Get-XenSimulatorState -Simulator $script:sim xennode03).Live } | Should -BeTrue

        Start-XenSimulatorHost -Simulator $script:sim -Name xennode03 -Confirm:$false
        (Get-XenSimulatorState -Simulator $script:sim xennode03).Power | Should -Be 'On'
        Wait-Until -TimeoutSeconds 60 { (Get-XenSimulatorState -Simulator $script:sim xennode03).Live } | Should -BeTrue
    }

    It 'takes hosts from Get-XenHost through the pipeline' {
        Get-XenHost xennode02 -Connection $script:connection | Stop-XenSimulatorHost -Simulator $script:sim -Confirm:$false
        (Get-XenSimulatorState -Simulator $script:sim xennode02).Power | Should -Be 'Off'
    }

    It 'changes nothing with -WhatIf' {
        Stop-XenSimulatorHost -Simulator $script:sim -Name xennode02 -WhatIf
        (Get-XenSimulatorState -Simulator $script:sim xennode02).Power | Should -Be 'On'
    }

    It 'leaves a host that is already off alone' {
        Stop-XenSimulatorHost -Simulator $script:sim -Name xennode02 -Confirm:$false
        { Stop-XenSimulatorHost -Simulator $script:sim -Name xennode02 -Confirm:$false -ErrorAction Stop } | Should -Not -Throw
        (Get-XenSimulatorState -Simulator $script:sim xennode02).Power | Should -Be 'Off'
    }

    It 'reports an unknown name with XenHaHostNotFound and powers nothing off' {
        $err = $null
        Stop-XenSimulatorHost -Simulator $script:sim -Name xennode02, nosuchnode -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'XenHaHostNotFound,XenHa.Commands.StopXenSimulatorHostCommand'
        $err[0].TargetObject | Should -Be 'nosuchnode'
        (Get-XenSimulatorState -Simulator $script:sim | Where-Object Power -eq 'Off') | Should -BeNullOrEmpty
    }

    It 'fails with XenHaSimulatorNoControlPlane for a simulator without a control plane' {
        { Start-XenSimulatorHost -Simulator (New-InstanceWithoutControlPlane) -Name xennode01 -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaSimulatorNoControlPlane,XenHa.Commands.StartXenSimulatorHostCommand'
    }
}

Describe 'Add-XenSimulatorFault -Kind Call' {
    BeforeAll { Start-FaultPool }
    AfterAll { Stop-FaultPool }
    AfterEach { Remove-XenSimulatorFault -Simulator $script:sim -All -Confirm:$false }

    It 'makes matching calls fail with the given XenAPI error, Count times' {
        $fault = Add-XenSimulatorFault -Simulator $script:sim -Kind Call -Method 'VM.get_all_records' -ErrorCode INTERNAL_ERROR -ErrorParameter 'injected' -Count 1 -Confirm:$false
        $fault | Should -BeOfType XenHa.SimulatorFault
        $fault.Id | Should -Match '^f\d+$'
        $fault.Kind | Should -Be 'Call'
        $fault.Error | Should -Be @('INTERNAL_ERROR', 'injected')
        $err = $null
        try { Invoke-XenApi VM.get_all_records -Connection $script:connection -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'INTERNAL_ERROR,*'
        (Get-XenSimulatorFault -Simulator $script:sim -Id $fault.Id).Fired | Should -Be 1
        # Count reached: the next call works.
        { Invoke-XenApi VM.get_all_records -Connection $script:connection -ErrorAction Stop } | Should -Not -Throw
    }

    It 'hits only calls about the -Target object' {
        Add-XenSimulatorFault -Simulator $script:sim -Kind Call -Method 'host.get_name_label' -Target 'xennode02' -ErrorCode HOST_OFFLINE -ErrorParameter 'xennode02' -Confirm:$false | Out-Null
        $hosts = Invoke-XenApi host.get_all_records -Connection $script:connection
        $refs = @{}; foreach ($k in $hosts.Keys) { $refs[$hosts[$k].name_label] = $k }
        { Invoke-XenApi host.get_name_label -Connection $script:connection -ArgumentList $refs.xennode01 -ErrorAction Stop } | Should -Not -Throw
        { Invoke-XenApi host.get_name_label -Connection $script:connection -ArgumentList $refs.xennode02 -ErrorAction Stop } | Should -Throw
    }

    It 'slows calls down with -DelayMilliseconds' {
        Add-XenSimulatorFault -Simulator $script:sim -Kind Call -Method 'pool.get_all_records' -DelayMilliseconds 1500 -Confirm:$false | Out-Null
        $elapsed = Measure-Command { Invoke-XenApi pool.get_all_records -Connection $script:connection | Out-Null }
        $elapsed.TotalMilliseconds | Should -BeGreaterThan 1400
    }

    It 'is listed by Get-XenSimulatorFault and ended by Remove-XenSimulatorFault' {
        $fault = Add-XenSimulatorFault -Simulator $script:sim -Kind Call -Method 'VM.*' -DelayMilliseconds 10 -Probability 0.5 -Confirm:$false
        $listed = Get-XenSimulatorFault -Simulator $script:sim -Kind Call
        $listed.Id | Should -Contain $fault.Id
        ($listed | Where-Object Id -eq $fault.Id).Probability | Should -Be 0.5
        $fault | Remove-XenSimulatorFault -Confirm:$false
        Get-XenSimulatorFault -Simulator $script:sim -Kind Call | Should -BeNullOrEmpty
    }

    It 'adds nothing with -WhatIf' {
        Add-XenSimulatorFault -Simulator $script:sim -Kind Call -Method 'VM.*' -ErrorCode INTERNAL_ERROR -WhatIf | Should -BeNullOrEmpty
        Get-XenSimulatorFault -Simulator $script:sim | Should -BeNullOrEmpty
    }

    It 'refuses invalid combinations before sending anything' {
        { Add-XenSimulatorFault -Simulator $script:sim -Kind Call -Method 'VM.*' -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaInvalidFaultParameters,XenHa.Commands.AddXenSimulatorFaultCommand'
        { Add-XenSimulatorFault -Simulator $script:sim -Kind Call -ErrorCode X -DropConnection -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaInvalidFaultParameters,XenHa.Commands.AddXenSimulatorFaultCommand'
        { Add-XenSimulatorFault -Simulator $script:sim -Kind Partition -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaInvalidFaultParameters,XenHa.Commands.AddXenSimulatorFaultCommand'
        { Add-XenSimulatorFault -Simulator $script:sim -Kind Partition -HostName xennode02 -ErrorCode X -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaInvalidFaultParameters,XenHa.Commands.AddXenSimulatorFaultCommand'
        Get-XenSimulatorFault -Simulator $script:sim | Should -BeNullOrEmpty
    }

    It 'reports an unknown fault id with XenHaFaultNotFound' {
        { Remove-XenSimulatorFault -Simulator $script:sim -Id f999 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaFaultNotFound,XenHa.Commands.RemoveXenSimulatorFaultCommand'
    }
}

Describe 'Add-XenSimulatorFault -Kind Partition and StorageLoss' {
    BeforeAll { Start-FaultPool }
    AfterAll { Stop-FaultPool }
    AfterEach { Remove-XenSimulatorFault -Simulator $script:sim -All -Confirm:$false }

    It 'cuts a host off and heals it' {
        $fault = Add-XenSimulatorFault -Simulator $script:sim -Kind Partition -HostName xennode03 -Confirm:$false
        $fault.Id | Should -Be 'partition'
        $fault.HostName | Should -Be @('xennode03')
        (Get-XenSimulatorState -Simulator $script:sim xennode03).Isolated | Should -BeTrue
        (Get-XenSimulatorFault -Simulator $script:sim -Kind Partition).HostName | Should -Be @('xennode03')
        # The coordinator still answers; the isolated host does not.
        (Get-XenHost -Connection $script:connection) | Should -HaveCount 3
        { Connect-XenPool -Server $script:sim.HostUrls[2] -Credential $script:sim.Credential -ErrorAction Stop } | Should -Throw

        Remove-XenSimulatorFault -Simulator $script:sim -Id partition -Confirm:$false
        (Get-XenSimulatorState -Simulator $script:sim xennode03).Isolated | Should -BeFalse
    }

    It 'takes a shared repository away from a host and gives it back' {
        $fault = Add-XenSimulatorFault -Simulator $script:sim -Kind StorageLoss -HostName xennode02 -Repository 'NFS VM storage' -Confirm:$false
        $fault.Id | Should -Be 'storage-loss:xennode02:NFS VM storage'
        (Get-XenSimulatorState -Simulator $script:sim xennode02).StorageLost | Should -Be @('NFS VM storage')
        (Get-XenSimulatorFault -Simulator $script:sim -Kind StorageLoss).HostName | Should -Be @('xennode02')

        $fault | Remove-XenSimulatorFault -Confirm:$false
        (Get-XenSimulatorState -Simulator $script:sim xennode02).StorageLost | Should -BeNullOrEmpty
    }

    It 'loses every shared repository when none is named' {
        Add-XenSimulatorFault -Simulator $script:sim -Kind StorageLoss -HostName xennode03 -Confirm:$false | Out-Null
        (Get-XenSimulatorState -Simulator $script:sim xennode03).StorageLost | Should -Contain 'NFS VM storage'
    }

    It 'changes nothing with -WhatIf' {
        Add-XenSimulatorFault -Simulator $script:sim -Kind Partition -HostName xennode02 -WhatIf | Should -BeNullOrEmpty
        Add-XenSimulatorFault -Simulator $script:sim -Kind StorageLoss -HostName xennode02 -WhatIf | Should -BeNullOrEmpty
        Get-XenSimulatorState -Simulator $script:sim | ForEach-Object { $_.Isolated | Should -BeFalse; $_.StorageLost | Should -BeNullOrEmpty }
    }

    It 'reports an unknown host with XenHaHostNotFound and changes nothing' {
        $err = $null
        Add-XenSimulatorFault -Simulator $script:sim -Kind Partition -HostName xennode02, nosuchnode -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'XenHaHostNotFound,XenHa.Commands.AddXenSimulatorFaultCommand'
        (Get-XenSimulatorState -Simulator $script:sim xennode02).Isolated | Should -BeFalse
    }

    It 'reports an unknown repository as the control plane''s refusal and changes nothing' {
        { Add-XenSimulatorFault -Simulator $script:sim -Kind StorageLoss -HostName xennode02 -Repository 'No such SR' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaSimulatorControlFailed,XenHa.Commands.AddXenSimulatorFaultCommand'
        (Get-XenSimulatorState -Simulator $script:sim xennode02).StorageLost | Should -BeNullOrEmpty
    }
}
