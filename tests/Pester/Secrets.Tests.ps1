# Passwords never leak: a full scenario (the demo: pool, storage, VMs, maintenance, HA, recovery) and
# deliberate failures run with every stream switched on and captured, plus a transcript, the objects'
# ToString and Format-List output, every error record and exception, and xensim's own output; none of it
# may contain any of the distinctive passwords used.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $demo = Join-Path $root 'src/Demo/Invoke-XenHaDemo.ps1'
    $tag = [guid]::NewGuid().ToString('N').Substring(0, 12)
    $secrets = [ordered]@{
        Root    = "Root-Sekr1t-$tag"
        Wrong   = "Wr0ng-Sekr1t-$tag"
        Auditor = "Aud1t-Sekr1t-$tag"
    }
    function New-Cred([string] $User, [string] $Password) {
        [pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force))
    }
    $rootCred = New-Cred root $secrets.Root
    $wrongCred = New-Cred root $secrets.Wrong
    $auditorCred = New-Cred auditor $secrets.Auditor

    function ConvertTo-Evidence {
        # Everything a record can show: its text, its formatted views, and for errors the exception chain.
        param([Parameter(ValueFromPipeline)] $Record)
        process {
            if ($null -eq $Record) { return }
            "$Record"
            if ($Record -is [System.Management.Automation.ErrorRecord]) {
                $Record.ToString()
                $Record.Exception.ToString()
                "$($Record.ErrorDetails)"
                $Record.TargetObject | Out-String
                $Record | Format-List * -Force | Out-String
                $Record.Exception | Format-List * -Force | Out-String
            }
            elseif ($Record -is [System.Management.Automation.InformationRecord] -or $Record -is [System.Management.Automation.VerboseRecord] -or
                    $Record -is [System.Management.Automation.DebugRecord] -or $Record -is [System.Management.Automation.WarningRecord]) {
                $Record | Format-List * -Force | Out-String
            }
            else {
                $Record | Format-List * -Force | Out-String
                $Record | Format-Table | Out-String
            }
        }
    }

    function Assert-NoSecret([string] $Text, [string] $Where) {
        foreach ($name in $secrets.Keys) {
            $Text.Contains($secrets[$name]) | Should -BeFalse -Because "the $name password must not appear in $Where"
        }
    }
}

Describe 'Passwords in a full scenario' {
    It 'appear in no stream, transcript, object view, error record or exception, deliberate failures included' {
        $transcript = Join-Path ([System.IO.Path]::GetTempPath()) "xenha-secrets-$tag.txt"
        $saved = $VerbosePreference, $DebugPreference, $InformationPreference, $WarningPreference
        $VerbosePreference = $DebugPreference = $InformationPreference = $WarningPreference = 'Continue'
        $Error.Clear()
        $captured = [System.Collections.Generic.List[object]]::new()
        Start-Transcript -Path $transcript -Force | Out-Null
        try {
            # The demo, end to end, with the distinctive root password.
            Push-Location $root
            try { $captured.AddRange(@(& $demo -ModulePath $modulePath -Credential $rootCred *>&1)) } finally { Pop-Location }
            $demoExit = $LASTEXITCODE

            # Deliberate failures, and the objects a script would look at, on a pool with a read-only user.
            $sim = Start-XenSimulator -HostCount 3 -Preset pooled-with-vms -Speed 50 -Credential $rootCred -User @{ 'read-only' = $auditorCred } -Verbose *>&1 |
                ForEach-Object { $captured.Add($_); $_ } | Where-Object { $_ -is [XenHa.SimulatorInstance] }
            try {
                $captured.AddRange(@(Connect-XenPool $sim.Url $wrongCred -Verbose -ErrorAction Continue *>&1))
                $captured.AddRange(@(Connect-XenPool $sim.Url $auditorCred -Verbose *>&1))
                $readOnly = Get-XenConnection -Default
                $captured.AddRange(@(Get-XenVM -Connection $readOnly | Select-Object -First 1 | Stop-XenVM -Force -Confirm:$false -Verbose -ErrorAction Continue *>&1))
                try { Add-XenPoolMember -Server $sim.HostUrls[2] -Credential $wrongCred -Connection $readOnly -Confirm:$false -Verbose *>&1 | ForEach-Object { $captured.Add($_) } }
                catch { $captured.Add($_) }
                try { New-XenPool -Name leak -Coordinator $sim.HostUrls[0] -Credential $wrongCred -Confirm:$false -Verbose *>&1 | ForEach-Object { $captured.Add($_) } }
                catch { $captured.Add($_) }
                $pool = Connect-XenPool $sim.Url $rootCred -Verbose
                $captured.Add($pool)
                $captured.Add($pool.Session)
                $captured.AddRange(@(Get-XenConnection))
                $captured.AddRange(@(Get-XenHost -Connection $pool))
                $captured.Add($sim)
                $captured.Add($sim.Credential)
                $captured.AddRange(@(Invoke-XenApi -Method session.get_record -ArgumentList $pool.Session.SessionRef -Connection $pool))
            }
            finally {
                Get-XenConnection | Disconnect-XenPool -Confirm:$false
                Stop-XenSimulator $sim
            }
        }
        finally {
            Stop-Transcript | Out-Null
            $VerbosePreference, $DebugPreference, $InformationPreference, $WarningPreference = $saved
        }

        $demoExit | Should -Be 0
        $evidence = (@($captured | ConvertTo-Evidence) + @($Error | ConvertTo-Evidence)) -join "`n"
        $logged = Get-Content -Raw $transcript
        Remove-Item $transcript

        # Not vacuous: the capture holds the demo, the verbose stream and each deliberate failure.
        $logged | Should -Match 'Demo finished'
        $evidence | Should -Match 'Logging into'
        $evidence | Should -Match 'SESSION_AUTHENTICATION_FAILED'
        $evidence | Should -Match 'RBAC_PERMISSION_DENIED'
        $evidence | Should -Match 'xennode01'
        Assert-NoSecret $evidence 'the captured streams and objects'
        Assert-NoSecret $logged 'the transcript'
    }

    It 'appear nowhere in xensim''s own standard output and error' {
        $dll = Join-Path (Split-Path $modulePath) 'simulator/xensim.dll'
        $out = Join-Path ([System.IO.Path]::GetTempPath()) "xensim-out-$tag.txt"
        $err = Join-Path ([System.IO.Path]::GetTempPath()) "xensim-err-$tag.txt"
        $env:XENHA_SIM_PASSWORD = $secrets.Root
        $env:XENHA_SIM_PASSWORD_AUDITOR = $secrets.Auditor
        try {
            $process = Start-Process dotnet -ArgumentList $dll, '--hosts', '2', '--preset', 'pooled', '--port', '0', '--user-role', 'auditor:read-only', '--parent-pid', $PID `
                -RedirectStandardOutput $out -RedirectStandardError $err -PassThru
        }
        finally {
            Remove-Item Env:XENHA_SIM_PASSWORD, Env:XENHA_SIM_PASSWORD_AUDITOR
        }
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not ((Test-Path $out) -and (Get-Content -Raw $out) -match 'url=(\S+)')) {
                if ([DateTime]::UtcNow -gt $deadline -or $process.HasExited) { throw "xensim did not start: $(Get-Content -Raw $err)" }
                Start-Sleep -Milliseconds 100
            }
            $url = $Matches[1]
            Connect-XenPool $url $wrongCred -ErrorAction SilentlyContinue
            Connect-XenPool $url $auditorCred | Out-Null
            Get-XenVM -ErrorAction SilentlyContinue | Out-Null
            Connect-XenPool $url $rootCred | Out-Null
            Get-XenHost | Out-Null
        }
        finally {
            Get-XenConnection | Disconnect-XenPool -Confirm:$false
            Stop-Process -Id $process.Id -ErrorAction SilentlyContinue
            $process.WaitForExit(10000) | Out-Null
        }
        $text = (Get-Content -Raw $out) + (Get-Content -Raw $err)
        Remove-Item $out, $err
        $text | Should -Match 'XENHA_SIM_READY'
        Assert-NoSecret $text 'xensim''s output'
    }
}
