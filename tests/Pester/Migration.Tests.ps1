# Move-XenVM (issue 4, article step 7): checked, parallel live migration with per-VM errors,
# -NoWait tasks, -WhatIf, and cancellation (Stop-XenTask and Ctrl+C). Each Describe starts its own
# simulator; each It creates the VMs it needs.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'PoolCommon.ps1')
}

AfterAll {
    Stop-TestPool
}

Describe 'Move-XenVM' {
    BeforeAll { Start-TestPool -Speed 20 }
    AfterAll { Stop-TestPool }

    Context 'Live migration' {
        It 'moves VMs piped from Get-XenHost | Get-XenVM to the destination and returns them with -PassThru' {
            New-RunningVM -Name 'move-a1' -Tools | Out-Null
            New-RunningVM -Name 'move-a2' -Tools | Out-Null
            $moved = @(Get-XenVM -Name 'move-a*' | Move-XenVM -Destination xennode02 -PassThru -Confirm:$false)
            $moved | Should -HaveCount 2
            $moved | ForEach-Object { $_ | Should -BeOfType XenHa.Vm; $_.Host | Should -Be 'xennode02'; $_.PowerState | Should -Be 'Running' }
            (Get-XenVM -Name 'move-a*').Host | Sort-Object -Unique | Should -Be 'xennode02'
        }

        It 'takes a host object as the destination and VM names' {
            New-RunningVM -Name 'move-b1' -Tools | Out-Null
            $target = Get-XenHost xennode03
            Move-XenVM 'move-b1' -Destination $target -Confirm:$false
            (Get-XenVM 'move-b1').Host | Should -Be 'xennode03'
        }

        It 'runs more VMs than -ThrottleLimit and moves them all' {
            1..3 | ForEach-Object { New-RunningVM -Name "move-t$_" -Tools | Out-Null }
            Get-XenVM -Name 'move-t*' | Move-XenVM -Destination xennode02 -ThrottleLimit 1 -Confirm:$false
            (Get-XenVM -Name 'move-t*').Host | Sort-Object -Unique | Should -Be 'xennode02'
        }

        It 'does nothing for a VM already on the destination' {
            New-RunningVM -Name 'move-c1' -On xennode02 -Tools | Out-Null
            Move-XenVM 'move-c1' -Destination xennode02 -Confirm:$false -ErrorAction Stop
            (Get-XenVM 'move-c1').Host | Should -Be 'xennode02'
        }
    }

    Context '-WhatIf' {
        It 'moves nothing' {
            New-RunningVM -Name 'move-w1' -Tools | Out-Null
            Move-XenVM 'move-w1' -Destination xennode02 -WhatIf
            (Get-XenVM 'move-w1').Host | Should -Be 'xennode01'
        }
    }

    Context 'Per-VM errors' {
        It 'refuses a VM without tools with VM_LACKS_FEATURE and still moves the others' {
            New-RunningVM -Name 'move-e1' -Template 'Windows Server 2022 (64-bit)' -MemoryGB 2 | Out-Null
            New-RunningVM -Name 'move-e2' -Tools | Out-Null
            $moved = @(Get-XenVM -Name 'move-e*' | Move-XenVM -Destination xennode02 -PassThru -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue)
            $moved.Name | Should -Be 'move-e2'
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'VM_LACKS_FEATURE,XenHa.Commands.MoveXenVMCommand'
            $failures[0].TargetObject.Name | Should -Be 'move-e1'
            "$failures" | Should -Match 'move-e1'
            (Get-XenVM 'move-e1').Host | Should -Be 'xennode01'
            (Get-XenVM 'move-e2').Host | Should -Be 'xennode02'
        }

        It 'refuses a VM on local storage with VM_REQUIRES_SR naming the repository' {
            New-RunningVM -Name 'move-l1' -Repository (Get-LocalRepositoryUuid xennode01) -Tools | Out-Null
            { Move-XenVM 'move-l1' -Destination xennode02 -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'VM_REQUIRES_SR,XenHa.Commands.MoveXenVMCommand'
            (Get-XenVM 'move-l1').Host | Should -Be 'xennode01'
        }

        It 'refuses a disabled destination with HOST_DISABLED' {
            New-RunningVM -Name 'move-d1' -Tools | Out-Null
            $target = Get-XenHost xennode03
            Invoke-XenApi host.disable -ArgumentList $target -Confirm:$false | Out-Null
            try {
                { Move-XenVM 'move-d1' -Destination xennode03 -Confirm:$false -ErrorAction Stop } |
                    Should -Throw -ErrorId 'HOST_DISABLED,XenHa.Commands.MoveXenVMCommand'
            }
            finally { Invoke-XenApi host.enable -ArgumentList $target -Confirm:$false | Out-Null }
            (Get-XenVM 'move-d1').Host | Should -Be 'xennode01'
        }

        It 'refuses a halted VM with VM_BAD_POWER_STATE' {
            New-XenVM -Name 'move-h1' -Template 'Debian Bookworm 12' -Repository 'NFS VM storage' -Confirm:$false | Out-Null
            { Move-XenVM 'move-h1' -Destination xennode02 -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'VM_BAD_POWER_STATE,XenHa.Commands.MoveXenVMCommand'
        }

        It 'reports an unknown destination and moves nothing' {
            New-RunningVM -Name 'move-u1' -Tools | Out-Null
            { Move-XenVM 'move-u1' -Destination xennode99 -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'XenHaHostNotFound,XenHa.Commands.MoveXenVMCommand'
            (Get-XenVM 'move-u1').Host | Should -Be 'xennode01'
        }

        It 'reports a VM name that matches nothing' {
            { Move-XenVM 'no-such-vm' -Destination xennode02 -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'XenHaVmNotFound,XenHa.Commands.MoveXenVMCommand'
        }
    }

    Context '-NoWait' {
        It 'returns one task per VM that Wait-XenTask waits for' {
            New-RunningVM -Name 'move-n1' -Tools | Out-Null
            New-RunningVM -Name 'move-n2' -Tools | Out-Null
            $tasks = @(Get-XenVM -Name 'move-n*' | Move-XenVM -Destination xennode03 -NoWait -Confirm:$false)
            $tasks | Should -HaveCount 2
            $tasks | ForEach-Object { $_ | Should -BeOfType XenHa.TaskInfo; $_.Name | Should -Be 'Async.VM.pool_migrate' }
            ($tasks.Target | Sort-Object) | Should -Be @('move-n1', 'move-n2')
            $done = @($tasks | Wait-XenTask -PassThru)
            $done | Should -HaveCount 2
            $done.Status | Sort-Object -Unique | Should -Be 'Success'
            (Get-XenVM -Name 'move-n*').Host | Sort-Object -Unique | Should -Be 'xennode03'
        }
    }
}

Describe 'Move-XenVM cancellation' {
    # Real time: a migration takes 1 s per GiB, so a 40 GiB VM is still moving when it is cancelled.
    BeforeAll { Start-TestPool -Speed 1 }
    AfterAll { Stop-TestPool }

    It 'Stop-XenTask cancels a migration started with -NoWait; the VM stays on the source' {
        New-RunningVM -Name 'slow-1' -MemoryGB 40 | Out-Null
        $task = Move-XenVM 'slow-1' -Destination xennode02 -NoWait -Confirm:$false
        $task.Cancellable | Should -BeTrue
        Stop-XenTask $task -Confirm:$false
        { $task | Wait-XenTask -TimeoutSeconds 60 -ErrorAction Stop } |
            Should -Throw -ErrorId 'TASK_CANCELLED,XenHa.Commands.WaitXenTaskCommand'
        (Get-XenVM 'slow-1').Host | Should -Be 'xennode01'
        (Get-XenTask -Uuid $task.Uuid).Status | Should -Be 'Cancelled'
    }

    It 'Ctrl+C (StopProcessing) cancels the migrations in flight on the server; the VMs stay on the source' {
        New-RunningVM -Name 'slow-2' -MemoryGB 40 | Out-Null
        New-RunningVM -Name 'slow-3' -MemoryGB 40 | Out-Null
        # The manifest: the module's root is XenHa.dll.
        $module = Join-Path (Get-Module XenHa).ModuleBase 'XenHa.psd1'
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Module, $Url, $Credential)
                    Import-Module $Module
                    Connect-XenPool -Server $Url -Credential $Credential | Out-Null
                    Get-XenVM -Name 'slow-[23]' | Move-XenVM -Destination xennode02 -Confirm:$false
                }).AddArgument($module).AddArgument($sim.Url).AddArgument($sim.Credential)
            $async = $ps.BeginInvoke()
            # Wait until both migrations run on the server, then stop the pipeline.
            for ($i = 0; $i -lt 200; $i++) {
                $running = @(Get-XenTask -Name 'Async.VM.pool_migrate' -Status Pending)
                if ($running.Count -ge 2) { break }
                Start-Sleep -Milliseconds 100
            }
            $running | Should -HaveCount 2
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
        for ($i = 0; $i -lt 100 -and @(Get-XenTask -Name 'Async.VM.pool_migrate' -Status Pending, Cancelling).Count; $i++) { Start-Sleep -Milliseconds 100 }
        @(Get-XenTask -Name 'Async.VM.pool_migrate' -Status Cancelled).Count | Should -BeGreaterOrEqual 2
        (Get-XenVM -Name 'slow-[23]').Host | Sort-Object -Unique | Should -Be 'xennode01'
    }
}
