# Get-XenTask, Wait-XenTask and Stop-XenTask. Each Describe starts its own simulator.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'PoolCommon.ps1')
}

AfterAll {
    Stop-TestPool
}

Describe 'Get-XenTask' {
    BeforeAll { Start-TestPool -Speed 1 }
    AfterAll { Stop-TestPool }

    It 'lists a running task with its state, host and cancellability' {
        New-RunningVM -Name 'task-g1' -MemoryGB 30 | Out-Null
        $started = Move-XenVM 'task-g1' -Destination xennode02 -NoWait -Confirm:$false
        try {
            $task = Get-XenTask -Uuid $started.Uuid
            $task | Should -BeOfType XenHa.TaskInfo
            $task.Name | Should -Be 'Async.VM.pool_migrate'
            $task.Status | Should -Be 'Pending'
            $task.Cancellable | Should -BeTrue
            $task.Host | Should -Be 'xennode01'
            $task.Finished | Should -BeNullOrEmpty
            $task.PercentComplete | Should -BeLessThan 100
            @(Get-XenTask -Name 'Async.VM.pool*' -Status Pending).Uuid | Should -Contain $started.Uuid
            @(Get-XenTask -Status Success).Uuid | Should -Not -Contain $started.Uuid
        }
        finally { Stop-XenTask $started -Confirm:$false -ErrorAction SilentlyContinue }
    }

    It 'reports a literal name that matches nothing, and is silent for a wildcard' {
        @(Get-XenTask 'No.such*') | Should -HaveCount 0
        { Get-XenTask 'No.such.task' -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaTaskNotFound,XenHa.Commands.GetXenTaskCommand'
    }
}

Describe 'Wait-XenTask' {
    BeforeAll { Start-TestPool -Speed 20 }
    AfterAll { Stop-TestPool }

    It 'returns the decoded result: a VM object for a VM reference' {
        $template = Get-XenTemplate 'Debian Bookworm 12'
        $task = Invoke-XenApi Async.VM.clone -ArgumentList $template.OpaqueRef, 'clone-w1' -Confirm:$false
        $info = Get-XenTask | Where-Object OpaqueRef -EQ $task
        $info | Should -Not -BeNullOrEmpty
        $result = $info | Wait-XenTask
        $result | Should -BeOfType XenHa.Vm
        $result.Name | Should -Be 'clone-w1'
    }

    It 'returns the finished task with -PassThru' {
        $task = Invoke-XenApi Async.host.get_servertime -ArgumentList (Get-XenHost xennode01) -Confirm:$false
        $done = Get-XenTask | Where-Object OpaqueRef -EQ $task | Wait-XenTask -PassThru
        $done.Status | Should -Be 'Success'
        $done.PercentComplete | Should -Be 100
        $done.Finished | Should -Not -BeNullOrEmpty
        $done.Result | Should -BeOfType [datetime]
    }

    It 'turns a failed task into an error with the XenAPI code' {
        $vm = New-XenVM -Name 'wait-f1' -Template 'Debian Bookworm 12' -Repository 'NFS VM storage' -Confirm:$false
        $task = Invoke-XenApi Async.VM.clean_shutdown -ArgumentList $vm -Confirm:$false
        { Get-XenTask | Where-Object OpaqueRef -EQ $task | Wait-XenTask -ErrorAction Stop } |
            Should -Throw -ErrorId 'VM_BAD_POWER_STATE,XenHa.Commands.WaitXenTaskCommand'
    }
}

Describe 'Stop-XenTask' {
    BeforeAll { Start-TestPool -Speed 1 }
    AfterAll { Stop-TestPool }

    It 'cancels a cancellable task; the migration does not happen' {
        New-RunningVM -Name 'stop-t1' -MemoryGB 30 | Out-Null
        $task = Move-XenVM 'stop-t1' -Destination xennode02 -NoWait -Confirm:$false
        $after = Stop-XenTask $task -PassThru -Confirm:$false
        $after.Status | Should -BeIn @('Cancelling', 'Cancelled')
        { $task | Wait-XenTask -ErrorAction Stop } | Should -Throw -ErrorId 'TASK_CANCELLED,XenHa.Commands.WaitXenTaskCommand'
        (Get-XenVM 'stop-t1').Host | Should -Be 'xennode01'
    }

    It 'surfaces OPERATION_NOT_ALLOWED for a task that cannot be cancelled and leaves it alone' {
        $task = Invoke-XenApi Async.host.get_servertime -ArgumentList (Get-XenHost xennode01) -Confirm:$false
        $info = Get-XenTask | Where-Object OpaqueRef -EQ $task
        $info | Should -Not -BeNullOrEmpty
        { $info | Stop-XenTask -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'OPERATION_NOT_ALLOWED,XenHa.Commands.StopXenTaskCommand'
        ($info | Wait-XenTask -PassThru).Status | Should -Be 'Success'
    }

    It '-WhatIf cancels nothing' {
        New-RunningVM -Name 'stop-t2' -MemoryGB 10 | Out-Null
        $task = Move-XenVM 'stop-t2' -Destination xennode02 -NoWait -Confirm:$false
        Stop-XenTask $task -WhatIf
        ($task | Wait-XenTask -PassThru).Status | Should -Be 'Success'
        (Get-XenVM 'stop-t2').Host | Should -Be 'xennode02'
    }
}
