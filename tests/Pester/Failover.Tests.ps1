# Connections survive coordinator loss (issue 5): with HA on, pull the power on the coordinator and the
# same Connection object keeps working against the new coordinator; a write whose outcome is unknown is
# reported (XENHA_WRITE_OUTCOME_UNKNOWN), never repeated. Each Describe starts its own simulator.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    function Wait-Until {
        param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $TimeoutSeconds = 60)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            if (& $Condition) { return $true }
            Start-Sleep -Milliseconds 100
        }
        return $false
    }

    function Start-HaFarm {
        # Three pooled hosts, shared NFS, HA on, a fast clock (HA timeout 60 s ≈ 0.1 s of real time).
        $script:sim = Start-XenSimulator -HostCount 3 -Preset pooled -Speed 500
        $script:connection = Connect-XenPool -Server $script:sim.Url -Credential $script:sim.Credential
        $coordinator = Get-XenHost -Connection $script:connection | Where-Object IsCoordinator
        Invoke-XenApi SR.create -Connection $script:connection -ArgumentList $coordinator, @{ server = '192.0.2.10'; serverpath = '/export/xen' },
            0, 'NFS VM storage', 'Shared VM disks', 'nfs', 'user', $true, @{} -Confirm:$false | Should -Match '^OpaqueRef:'
        New-XenVM -Name web01 -Template 'Debian Bookworm 12' -MemoryGB 1 -Repository 'NFS VM storage' -Connection $script:connection -Confirm:$false -ErrorAction Stop | Out-Null
        Enable-XenHa -HeartbeatRepository 'NFS VM storage' -HostFailuresToTolerate 1 -Connection $script:connection -Confirm:$false -ErrorAction Stop | Out-Null
        (Get-XenSimulatorState -Simulator $script:sim)[0].HaEnabled | Should -BeTrue
    }

    function Stop-HaFarm {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false -ErrorAction SilentlyContinue
        if ($script:sim) { Stop-XenSimulator $script:sim; $script:sim = $null }
    }
}

Describe 'Coordinator powered off with HA on' {
    BeforeAll { Start-HaFarm }
    AfterAll { Stop-HaFarm }

    It 'keeps Get-XenVM working through the same connection object once a new coordinator is elected' {
        $script:connection.CoordinatorName | Should -Be 'xennode01'
        $oldUri = $script:connection.Uri
        Stop-XenSimulatorHost -Simulator $script:sim -Name xennode01 -Confirm:$false

        # The very next read waits (bounded) for the election and is repeated on the new coordinator.
        $vm = Get-XenVM web01 -Connection $script:connection -ErrorAction Stop
        $vm.Name | Should -Be 'web01'
        $vm.Connection | Should -Be $script:connection

        Wait-Until { ($s = Get-XenSimulatorState -Simulator $script:sim | Where-Object IsCoordinator) -and $s.Name -ne 'xennode01' } | Should -BeTrue
        $newCoordinator = (Get-XenSimulatorState -Simulator $script:sim | Where-Object IsCoordinator).Name
        $script:connection.CoordinatorName | Should -Be $newCoordinator
        $script:connection.Uri | Should -Not -Be $oldUri
        $script:connection.IsConnected | Should -BeTrue
        (Get-XenConnection) | Should -Contain $script:connection
        # Further reads keep working, and see the dead host as not live.
        Wait-Until { -not (Get-XenHost xennode01 -Connection $script:connection).Live } | Should -BeTrue
    }
}

Describe 'A write while the coordinator dies' {
    BeforeAll { Start-HaFarm }
    AfterAll { Stop-HaFarm }

    It 'is reported as XENHA_WRITE_OUTCOME_UNKNOWN and not repeated; the connection then reads from the new coordinator' {
        $ref = (Get-XenVM web01 -Connection $script:connection).OpaqueRef
        Stop-XenSimulatorHost -Simulator $script:sim -Name xennode01 -Confirm:$false

        $err = $null
        try {
            Invoke-XenApi VM.set_name_description -Connection $script:connection -ArgumentList $ref, 'during the outage' -Confirm:$false -ErrorAction Stop
        }
        catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'XENHA_WRITE_OUTCOME_UNKNOWN,XenHa.Commands.InvokeXenApiCommand'
        $err.Exception.Message | Should -Match 'may or may not have applied'
        $err.Exception.InnerException | Should -Not -BeNullOrEmpty
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'

        # The connection already points at the new coordinator: read back to see what happened.
        $script:connection.CoordinatorName | Should -Not -Be 'xennode01'
        (Invoke-XenApi VM.get_name_description -Connection $script:connection -ArgumentList $ref) | Should -Be ''
    }

    It 'is not repeated when the coordinator drops the connection after running it' {
        $ref = (Get-XenVM web01 -Connection $script:connection).OpaqueRef
        $fault = Add-XenSimulatorFault -Simulator $script:sim -Kind Call -Method 'VM.set_name_description' -DropConnection -Count 1 -Confirm:$false
        $err = $null
        try {
            Invoke-XenApi VM.set_name_description -Connection $script:connection -ArgumentList $ref, 'maybe' -Confirm:$false -ErrorAction Stop
        }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'XENHA_WRITE_OUTCOME_UNKNOWN,XenHa.Commands.InvokeXenApiCommand'
        # Sent once: a repeat would have passed the exhausted fault and succeeded silently.
        (Get-XenSimulatorFault -Simulator $script:sim -Id $fault.Id).Fired | Should -Be 1
        $script:connection.IsConnected | Should -BeTrue
        { Get-XenVM web01 -Connection $script:connection -ErrorAction Stop } | Should -Not -Throw
        Remove-XenSimulatorFault -Simulator $script:sim -All -Confirm:$false
    }
}

Describe 'Session invalidated on the server' {
    BeforeAll {
        $script:sim = Start-XenSimulator -HostCount 1
        $script:connection = Connect-XenPool -Server $script:sim.Url -Credential $script:sim.Credential
    }
    AfterAll {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false -ErrorAction SilentlyContinue
        Stop-XenSimulator $script:sim
    }

    It 'logs in again once and repeats the call' {
        $before = $script:connection.Session.SessionRef
        Add-XenSimulatorFault -Simulator $script:sim -Kind Call -Method 'VM.get_all_records*' -ErrorCode SESSION_INVALID -ErrorParameter $before -Count 1 -Confirm:$false | Out-Null
        { Get-XenVM -Connection $script:connection -ErrorAction Stop } | Should -Not -Throw
        $script:connection.Session.SessionRef | Should -Not -Be $before
    }

    It 'reports SESSION_INVALID when it comes back after the re-login' {
        Add-XenSimulatorFault -Simulator $script:sim -Kind Call -Method 'VM.get_all_records*' -ErrorCode SESSION_INVALID -ErrorParameter x -Count 2 -Confirm:$false | Out-Null
        $err = $null
        try { Get-XenVM -Connection $script:connection -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'SESSION_INVALID,*'
        (Get-XenSimulatorFault -Simulator $script:sim -Kind Call).Fired | Should -Contain 2
        Remove-XenSimulatorFault -Simulator $script:sim -All -Confirm:$false
    }
}
