# Ctrl+C / Stop-Job / PowerShell.Stop() ends the search for a new coordinator at once, long before
# -FailoverTimeoutSeconds. (Task waits have their Ctrl+C tests with New-XenVM in VmLifecycle.Tests.ps1
# and Move-XenVM in Migration.Tests.ps1.) The command runs in another runspace of this process, which
# shares the module's open connections.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Stopping the search for a new coordinator' {
    BeforeAll { $dead = Start-XenSimulator -HostCount 3 -Preset pooled }
    AfterAll {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        Stop-XenSimulator $dead
    }

    It 'ends the rounds over the members at once' {
        Connect-XenPool -Server $dead.Url -Credential $dead.Credential -FailoverTimeoutSeconds 600 | Out-Null
        Stop-XenSimulatorHost -Simulator $dead -Name xennode01, xennode02, xennode03 -Confirm:$false | Out-Null
        $ready = [System.Threading.ManualResetEventSlim]::new($false)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({ param($ModulePath, $Ready) Import-Module $ModulePath; $Ready.Set(); Get-XenHost }).AddArgument($modulePath).AddArgument($ready)
            $async = $ps.BeginInvoke()
            # Opening the runspace and importing the module can take a while on a busy machine.
            $ready.Wait([TimeSpan]::FromSeconds(120)) | Should -BeTrue
            Start-Sleep -Seconds 4
            $async.IsCompleted | Should -BeFalse -Because 'Get-XenHost should still be looking for a coordinator'
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
    }
}
