BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $sim = Start-XenSimulator -HostCount 3 -Preset pooled
}

AfterAll {
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    if ($sim) { Stop-XenSimulator $sim }
}

Describe 'Connect-XenPool' {
    AfterEach { Get-XenConnection | Disconnect-XenPool -Confirm:$false }

    It 'logs into the coordinator and returns the connection' {
        $c = Connect-XenPool -Server $sim.Url -Credential $sim.Credential
        $c | Should -BeOfType XenHa.Connection
        $c.PSObject.TypeNames[0] | Should -Be 'XenHa.Connection'
        $c.CoordinatorName | Should -Be 'xennode01'
        $c.IsConnected | Should -BeTrue
        $c.IsDefault | Should -BeTrue
        $c.ApiVersion | Should -Match '^\d+\.\d+$'
        $c.Members.Count | Should -Be 3
        @(Get-XenConnection) | Should -HaveCount 1
    }

    It 'follows HOST_IS_SLAVE from a pool member to the coordinator' {
        $c = Connect-XenPool -Server $sim.HostUrls[2] -Credential $sim.Credential
        $c.Uri.Host | Should -Be ([uri] $sim.Url).Host
        $c.CoordinatorName | Should -Be 'xennode01'
    }

    It 'accepts a plain address with -Port' {
        $uri = [uri] $sim.Url
        $c = Connect-XenPool -Server "http://$($uri.Host)" -Port $uri.Port -Credential $sim.Credential
        $c.Uri.Port | Should -Be $uri.Port
    }

    It 'replaces an earlier connection to the same pool and user' {
        $first = Connect-XenPool -Server $sim.Url -Credential $sim.Credential
        $second = Connect-XenPool -Server $sim.Url -Credential $sim.Credential
        @(Get-XenConnection) | Should -HaveCount 1
        (Get-XenConnection).Id | Should -Be $second.Id
        $first.IsConnected | Should -BeFalse
    }

    It 'fails with SESSION_AUTHENTICATION_FAILED for a wrong password and remembers nothing' {
        $bad = [pscredential]::new('root', (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))
        { Connect-XenPool -Server $sim.Url -Credential $bad -ErrorAction Stop } |
            Should -Throw -ErrorId 'SESSION_AUTHENTICATION_FAILED,XenHa.Commands.ConnectXenPoolCommand'
        @(Get-XenConnection) | Should -HaveCount 0
    }

    It 'never shows the password in the error or verbose output' {
        $secret = 'Sekr1t-' + [guid]::NewGuid()
        $bad = [pscredential]::new('root', (ConvertTo-SecureString $secret -AsPlainText -Force))
        $output = Connect-XenPool -Server $sim.Url -Credential $bad -Verbose -ErrorAction SilentlyContinue -ErrorVariable err 4>&1 | Out-String
        $err | Should -Not -BeNullOrEmpty
        ($output + ($err | Out-String) + $err[0].Exception.ToString()) | Should -Not -Match ([regex]::Escape($secret))
    }

    It 'fails with XenHaConnectionFailed for a server that does not answer' {
        $port = Get-ClosedLoopbackPort
        { Connect-XenPool -Server "http://127.0.0.1:$port/" -Credential $sim.Credential -TimeoutSeconds 5 -ErrorAction Stop } |
            Should -Throw -ErrorId 'XenHaConnectionFailed,XenHa.Commands.ConnectXenPoolCommand'
    }

    It 'goes on with the other servers when one fails' {
        $port = Get-ClosedLoopbackPort
        $result = Connect-XenPool -Server "http://127.0.0.1:$port/", $sim.Url -Credential $sim.Credential -ErrorAction SilentlyContinue -ErrorVariable err
        @($result) | Should -HaveCount 1
        @($err) | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'XenHaConnectionFailed,XenHa.Commands.ConnectXenPoolCommand'
    }

    Context 'with several pools at once' {
        BeforeAll { $second = Start-XenSimulator -HostCount 1 }
        AfterAll { Stop-XenSimulator $second }

        It 'keeps one connection per pool and reads from all of them' {
            Connect-XenPool -Server $sim.Url -Credential $sim.Credential | Out-Null
            $other = Connect-XenPool -Server $second.Url -Credential $second.Credential
            @(Get-XenConnection) | Should -HaveCount 2
            (Get-XenConnection -Default).Id | Should -Be $other.Id
            @(Get-XenHost) | Should -HaveCount 4
            @(Get-XenHost -Connection $other) | Should -HaveCount 1
        }
    }

    Context 'over TLS with a self-signed certificate' {
        BeforeAll { $tls = Start-XenSimulator -HostCount 1 -Tls }
        AfterAll { Stop-XenSimulator $tls }

        It 'serves https and reports its thumbprint' {
            $tls.Url | Should -Match '^https://'
            $tls.Thumbprint | Should -Match '^[0-9A-Fa-f]{64}$'
        }

        It 'refuses an untrusted certificate by default' {
            { Connect-XenPool -Server $tls.Url -Credential $tls.Credential -ErrorAction Stop } |
                Should -Throw -ErrorId 'XENHA_CERTIFICATE_UNTRUSTED,XenHa.Commands.ConnectXenPoolCommand'
        }

        It 'connects with -SkipCertificateCheck' {
            $c = Connect-XenPool -Server $tls.Url -Credential $tls.Credential -SkipCertificateCheck
            $c.Uri.Scheme | Should -Be 'https'
            @(Get-XenHost -Connection $c) | Should -HaveCount 1
        }
    }
}

Describe 'Disconnect-XenPool' {
    BeforeEach { $c = Connect-XenPool -Server $sim.Url -Credential $sim.Credential }
    AfterEach { Get-XenConnection | Disconnect-XenPool -Confirm:$false }

    It 'logs out and forgets the connection' {
        Disconnect-XenPool $c
        @(Get-XenConnection) | Should -HaveCount 0
        $c.IsConnected | Should -BeFalse
    }

    It 'disconnects the default connection when given none' {
        Disconnect-XenPool
        @(Get-XenConnection) | Should -HaveCount 0
    }

    It 'changes nothing with -WhatIf' {
        Disconnect-XenPool $c -WhatIf
        @(Get-XenConnection) | Should -HaveCount 1
        $c.IsConnected | Should -BeTrue
    }

    It 'takes the connection of objects piped in' {
        Get-XenPool | Disconnect-XenPool
        @(Get-XenConnection) | Should -HaveCount 0
    }

    It 'closes every connection with -All' {
        Disconnect-XenPool -All
        @(Get-XenConnection) | Should -HaveCount 0
    }

    It 'leaves cmdlets with XenHaNotConnected afterwards' {
        Disconnect-XenPool -All
        { Get-XenVM -ErrorAction Stop } | Should -Throw -ErrorId 'XenHaNotConnected,XenHa.Commands.GetXenVMCommand'
        { Disconnect-XenPool -ErrorAction Stop } | Should -Throw -ErrorId 'XenHaNotConnected,XenHa.Commands.DisconnectXenPoolCommand'
    }
}

Describe 'Get-XenConnection' {
    AfterEach { Get-XenConnection | Disconnect-XenPool -Confirm:$false }

    It 'returns nothing when not connected' {
        @(Get-XenConnection) | Should -HaveCount 0
    }

    It 'lists the open connections and marks the default' {
        $c = Connect-XenPool -Server $sim.Url -Credential $sim.Credential
        $listed = @(Get-XenConnection)
        $listed | Should -HaveCount 1
        $listed[0].Id | Should -Be $c.Id
        (Get-XenConnection -Default).IsDefault | Should -BeTrue
    }
}
