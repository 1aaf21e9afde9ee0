# Certificate policy (Fail, Pin, Warn, Ignore), pinned thumbprints, Set-/Get-XenConfiguration.
# Every It works in its own settings directory (XENHA_CONFIG_DIR) and sets the Session policy it needs.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $savedConfigDir = $env:XENHA_CONFIG_DIR

    function Use-FreshSettings {
        $env:XENHA_CONFIG_DIR = Join-Path ([System.IO.Path]::GetTempPath()) ('xenha-trust-' + [guid]::NewGuid().ToString('N'))
        Set-XenConfiguration -CertificatePolicy Fail
    }

    function Get-AcceptCommand([string] $Message) {
        # The exact command an error message tells the user to run.
        if ($Message -notmatch "(Set-XenConfiguration -Server '[^']+' -CertificateThumbprint '[0-9A-F]{64}')") { throw "No command in: $Message" }
        $Matches[1]
    }

    function Invoke-FreshPwsh([string] $Script, [pscredential] $Credential) {
        # A new process: only the settings file can carry trust over. The password travels in the environment.
        $env:XENHA_TEST_PASSWORD = $Credential.GetNetworkCredential().Password
        Push-Location $root
        try {
            $prelude = "Import-Module '$modulePath'; `$cred = [pscredential]::new('$($Credential.UserName)', (ConvertTo-SecureString `$env:XENHA_TEST_PASSWORD -AsPlainText -Force)); "
            & dotnet pwsh -NoProfile -NonInteractive -Command ($prelude + $Script) 2>&1 | Out-String
        }
        finally {
            Pop-Location
            Remove-Item Env:XENHA_TEST_PASSWORD
        }
    }
}

AfterAll {
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    Set-XenConfiguration -CertificatePolicy Fail
    $env:XENHA_CONFIG_DIR = $savedConfigDir
}

Describe 'Certificate policy on Connect-XenPool' {
    BeforeAll { $tls = Start-XenSimulator -HostCount 1 -Tls }
    AfterAll { Stop-XenSimulator $tls }
    BeforeEach { Use-FreshSettings }
    AfterEach { Get-XenConnection | Disconnect-XenPool -Confirm:$false }

    It 'Fail (the default) refuses an untrusted certificate, naming its thumbprint and the command that trusts it' {
        Remove-Item $env:XENHA_CONFIG_DIR -Recurse -Force -ErrorAction SilentlyContinue
        $err = $null
        Connect-XenPool $tls.Url $tls.Credential -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'XENHA_CERTIFICATE_UNTRUSTED,XenHa.Commands.ConnectXenPoolCommand'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $err[0].Exception.Message | Should -Match $tls.Thumbprint
        @((Get-XenConfiguration).PinnedCertificates) | Should -HaveCount 0
        @(Get-XenConnection) | Should -HaveCount 0

        Invoke-Expression (Get-AcceptCommand $err[0].Exception.Message)
        (Get-XenConfiguration).PinnedCertificates[0].Thumbprint | Should -Be $tls.Thumbprint
        (Connect-XenPool $tls.Url $tls.Credential -WarningVariable warned).IsConnected | Should -BeTrue
        $warned | Should -BeNullOrEmpty
    }

    It 'Warn connects with a warning and pins nothing' {
        Set-XenConfiguration -CertificatePolicy Warn
        $c = Connect-XenPool $tls.Url $tls.Credential -WarningVariable warned -WarningAction SilentlyContinue
        $c.IsConnected | Should -BeTrue
        ($warned -join ' ') | Should -Match "not trusted.*$($tls.Thumbprint)|$($tls.Thumbprint).*not trusted"
        @((Get-XenConfiguration).PinnedCertificates) | Should -HaveCount 0
    }

    It 'Ignore connects without a word and pins nothing' {
        Set-XenConfiguration -CertificatePolicy Ignore
        $c = Connect-XenPool $tls.Url $tls.Credential -WarningVariable warned
        $c.IsConnected | Should -BeTrue
        $warned | Should -BeNullOrEmpty
        @((Get-XenConfiguration).PinnedCertificates) | Should -HaveCount 0
    }

    It 'Pin trusts on first use, keeps the pin in a file only the user can read, and a fresh process honours it under Fail' {
        Set-XenConfiguration -CertificatePolicy Pin
        $c = Connect-XenPool $tls.Url $tls.Credential -WarningVariable warned -WarningAction SilentlyContinue
        $c.IsConnected | Should -BeTrue
        ($warned -join ' ') | Should -Match "Pinned the certificate of .*$($tls.Thumbprint)"
        $configuration = Get-XenConfiguration
        $configuration.PinnedCertificates[0].Server | Should -Be ('127.0.0.1:' + ([uri] $tls.Url).Port)
        $configuration.PinnedCertificates[0].Thumbprint | Should -Be $tls.Thumbprint
        $configuration.Path | Should -Be (Join-Path $env:XENHA_CONFIG_DIR 'settings.conf')
        if (-not $IsWindows -and $PSVersionTable.PSVersion.Major -ge 7) {
            (Get-Item $configuration.Path).UnixMode | Should -Be '-rw-------'
        }

        # A new process with no Session policy (so Fail) connects because of the pin alone.
        $out = Invoke-FreshPwsh "(Get-XenConfiguration).CertificatePolicy; (Connect-XenPool '$($tls.Url)' `$cred).IsConnected" $tls.Credential
        $out | Should -Match '(?s)Fail.*True'
    }

    It '-SkipCertificateCheck still connects under Fail and pins nothing' {
        (Connect-XenPool $tls.Url $tls.Credential -SkipCertificateCheck).IsConnected | Should -BeTrue
        @((Get-XenConfiguration).PinnedCertificates) | Should -HaveCount 0
    }
}

Describe 'A host whose certificate changes' {
    BeforeAll {
        Use-FreshSettings
        $first = Start-XenSimulator -HostCount 1 -Tls
        $port = ([uri] $first.Url).Port
        Set-XenConfiguration -CertificatePolicy Pin
        Connect-XenPool $first.Url $first.Credential -WarningAction SilentlyContinue | Out-Null
        $oldThumbprint = $first.Thumbprint
        # The same host and port with a new self-signed certificate (a reinstall, or an impostor).
        Stop-XenSimulator $first
        $second = Start-XenSimulator -HostCount 1 -Tls -Port $port -Credential $first.Credential
    }
    AfterAll {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false
        if ($second) { Stop-XenSimulator $second }
    }

    It 'has a new thumbprint on the same endpoint' {
        $second.Url | Should -Be $first.Url
        $second.Thumbprint | Should -Not -Be $oldThumbprint
    }

    It 'is refused, even under Pin, with both thumbprints and the exact command that accepts the new one' -ForEach @(
        @{ Policy = 'Pin' }, @{ Policy = 'Fail' }, @{ Policy = 'Warn' }
    ) {
        Set-XenConfiguration -CertificatePolicy $Policy
        $err = $null
        Connect-XenPool $second.Url $second.Credential -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'XENHA_CERTIFICATE_CHANGED,XenHa.Commands.ConnectXenPoolCommand'
        $message = $err[0].Exception.Message
        $message | Should -Match $oldThumbprint
        $message | Should -Match $second.Thumbprint
        (Get-AcceptCommand $message) | Should -Be "Set-XenConfiguration -Server '127.0.0.1:$port' -CertificateThumbprint '$($second.Thumbprint)'"
        (Get-XenConfiguration).PinnedCertificates[0].Thumbprint | Should -Be $oldThumbprint
    }

    It 'fails an open connection''s next call the same way, without trying other coordinators' {
        Set-XenConfiguration -CertificatePolicy Pin
        { Get-XenHost -ErrorAction Stop } | Should -Throw -ErrorId 'XENHA_CERTIFICATE_CHANGED,XenHa.Commands.GetXenHostCommand'
    }

    It 'is accepted once the command from the message ran' {
        Set-XenConfiguration -CertificatePolicy Fail
        $err = $null
        Connect-XenPool $second.Url $second.Credential -ErrorAction SilentlyContinue -ErrorVariable err
        Set-XenConfiguration -Server "127.0.0.1:$port" -CertificateThumbprint $second.Thumbprint.ToLowerInvariant() -WhatIf
        (Get-XenConfiguration).PinnedCertificates[0].Thumbprint | Should -Be $oldThumbprint
        Invoke-Expression (Get-AcceptCommand $err[0].Exception.Message)
        (Get-XenConfiguration).PinnedCertificates[0].Thumbprint | Should -Be $second.Thumbprint
        (Connect-XenPool $second.Url $second.Credential).IsConnected | Should -BeTrue
    }
}

Describe 'Pool joins and failover under the certificate policy' {
    BeforeEach { Use-FreshSettings }
    AfterEach { Get-XenConnection | Disconnect-XenPool -Confirm:$false }

    It 'New-XenPool logs into no host whose certificate is untrusted, and changes nothing' {
        $fresh = Start-XenSimulator -HostCount 2 -Tls
        try {
            $err = $null
            $stopped = $null
            try {
                New-XenPool -Name trusted -Coordinator $fresh.HostUrls[0] -Member $fresh.HostUrls[1] -Credential $fresh.Credential -Confirm:$false `
                    -ErrorAction SilentlyContinue -ErrorVariable err
            }
            catch { $stopped = $_ }
            $stopped.FullyQualifiedErrorId | Should -Be 'XenHaPoolPreconditionFailed,XenHa.Commands.NewXenPoolCommand'
            @($err | Where-Object FullyQualifiedErrorId -eq 'XENHA_CERTIFICATE_UNTRUSTED,XenHa.Commands.NewXenPoolCommand') | Should -HaveCount 2
            $c = Connect-XenPool $fresh.HostUrls[1] $fresh.Credential -SkipCertificateCheck
            @(Get-XenHost -Connection $c) | Should -HaveCount 1
        }
        finally { Stop-XenSimulator $fresh }
    }

    It 'a failover probe refuses a member with an untrusted certificate; the search ends within -FailoverTimeoutSeconds' {
        $pool = Start-XenSimulator -HostCount 3 -Preset pooled -Tls
        try {
            # Only the coordinator's endpoint is trusted.
            Set-XenConfiguration -Server $pool.HostUrls[0] -CertificateThumbprint $pool.Thumbprint
            $c = Connect-XenPool $pool.Url $pool.Credential -FailoverTimeoutSeconds 3
            Stop-XenSimulatorHost -Simulator $pool -Name xennode01 -Confirm:$false
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $err = $null
            Get-XenHost -Connection $c -ErrorAction SilentlyContinue -ErrorVariable err
            $watch.Stop()
            $err[0].FullyQualifiedErrorId | Should -Be 'XENHA_COORDINATOR_NOT_FOUND,XenHa.Commands.GetXenHostCommand'
            $err[0].Exception.Message | Should -Match 'XENHA_CERTIFICATE_UNTRUSTED'
            $err[0].Exception.Message | Should -Match 'within 3 s'
            # Far below the 120 s default: the parameter bounds the search.
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 60
        }
        finally { Stop-XenSimulator $pool }
    }
}

Describe 'Set-XenConfiguration and Get-XenConfiguration' {
    BeforeEach { Use-FreshSettings }

    It 'keeps a User policy in the settings file for new processes; Session applies to this process only' {
        Set-XenConfiguration -CertificatePolicy Pin -Scope User
        Set-XenConfiguration -CertificatePolicy Warn -Scope Session
        $now = Get-XenConfiguration
        $now.CertificatePolicy | Should -Be 'Warn'
        $now.PolicySource | Should -Be 'Session'
        $now.UserPolicy | Should -Be 'Pin'
        Get-Content $now.Path | Should -Contain 'certificate-policy Pin'
        $out = Invoke-FreshPwsh "`$c = Get-XenConfiguration; `$c.CertificatePolicy.ToString() + '/' + `$c.PolicySource" ([pscredential]::new('x', (ConvertTo-SecureString 'unused' -AsPlainText -Force)))
        $out | Should -Match 'Pin/User'
    }

    It 'returns the settings with -PassThru and shows them as a table' {
        $result = Set-XenConfiguration -CertificatePolicy Ignore -PassThru
        $result | Should -BeOfType XenHa.Configuration
        $result.CertificatePolicy | Should -Be 'Ignore'
        ($result | Format-Table | Out-String) | Should -Match 'Ignore\s+Session\s+0'
    }

    It 'changes nothing with -WhatIf' {
        Set-XenConfiguration -CertificatePolicy Ignore -Scope User -WhatIf
        Set-XenConfiguration -Server xennode01 -CertificateThumbprint ('AB' * 32) -WhatIf
        Test-Path (Get-XenConfiguration).Path | Should -BeFalse
        (Get-XenConfiguration).CertificatePolicy | Should -Be 'Fail'
    }

    It 'pins a thumbprint given with colons for host:port (port 443 by default)' {
        Set-XenConfiguration xennode01 ((@('0a') * 32) -join ':')
        $pin = (Get-XenConfiguration).PinnedCertificates
        $pin.Server | Should -Be 'xennode01:443'
        $pin.Thumbprint | Should -Be ('0A' * 32)
    }

    It 'refuses a thumbprint that is not SHA-256 and a bad server, writing nothing' -ForEach @(
        @{ Server = 'xennode01'; Thumbprint = 'ABCDEF' }
        @{ Server = 'xennode01'; Thumbprint = ('AB' * 20) }
        @{ Server = 'ftp://xennode01/'; Thumbprint = ('AB' * 32) }
    ) {
        { Set-XenConfiguration -Server $Server -CertificateThumbprint $Thumbprint -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaInvalidCertificateSetting,XenHa.Commands.SetXenConfigurationCommand'
        Test-Path (Get-XenConfiguration).Path | Should -BeFalse
    }
}
