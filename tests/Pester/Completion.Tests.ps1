# Tab completion (issue 6): VM, host, repository, network and template names from the connection's
# name cache. A call fault on every XenAPI method makes any round trip visible: its Fired count.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $sim = Start-XenSimulator -HostCount 3 -Preset pooled -Speed 50
    Connect-XenPool -Server $sim.Url -Credential $sim.Credential | Out-Null
    New-XenNfsRepository -Name 'NFS VM storage' -Server nas01 -Path /export/xen -Confirm:$false | Out-Null
    New-XenVM -Name 'Fedora 39' -Template 'Fedora Linux' -Repository 'NFS VM storage' -MemoryGB 2 -Confirm:$false | Out-Null
    New-XenVM -Name 'fedora-web' -Template 'Fedora Linux' -Repository 'NFS VM storage' -MemoryGB 2 -Confirm:$false | Out-Null
    New-XenVM -Name "bob's vm" -Template 'Debian Bookworm 12' -Repository 'NFS VM storage' -MemoryGB 1 -Confirm:$false | Out-Null

    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText)
    }

    function Add-CallCounter {
        # Every XenAPI call now fails and is counted.
        Add-XenSimulatorFault -Simulator $sim -Kind Call -Method '*' -ErrorCode 'XENHA_TEST_ROUND_TRIP' -Confirm:$false
    }
}

AfterAll {
    Remove-XenSimulatorFault -All -Simulator $sim -Confirm:$false
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    Stop-XenSimulator $sim
}

Describe 'Argument completers' {
    AfterEach { Remove-XenSimulatorFault -All -Simulator $sim -Confirm:$false }

    It 'completes VM names by prefix, quoting names with spaces and quotes' {
        Get-Completion 'Get-XenVM -Name Fed' | Should -Be @("'Fedora 39'", 'fedora-web')
        Get-Completion 'Get-XenVM bob' | Should -Be @("'bob''s vm'")
        Get-Completion "Start-XenVM -Name 'fed" | Should -Be @("'Fedora 39'", "'fedora-web'") -Because 'a quote the user opened is kept'
        Get-Completion 'Stop-XenVM -Name "Fed' | Should -Be @('"Fedora 39"', '"fedora-web"')
        Get-Completion 'Get-XenVM *web' | Should -Be @('fedora-web') -Because 'wildcards in the typed prefix match'
    }

    It 'a second completion makes no round trip' {
        Get-Completion 'Get-XenVM -Name Fed' | Should -HaveCount 2
        $counter = Add-CallCounter
        Get-Completion 'Get-XenVM -Name Fed' | Should -Be @("'Fedora 39'", 'fedora-web')
        Get-Completion 'Protect-XenVM -Priority Restart -Name fedora-' | Should -Be @('fedora-web')
        (Get-XenSimulatorFault -Simulator $sim -Id $counter.Id).Fired | Should -Be 0
    }

    It 'the first completion on a fresh connection reads once; Get-* reads fill the cache too' {
        $fresh = Connect-XenPool -Server $sim.Url -Credential $sim.Credential
        try {
            $counter = Add-CallCounter
            Get-Completion 'Get-XenHost -Name xen' | Should -BeNullOrEmpty -Because 'the read fails, and completion never throws'
            (Get-XenSimulatorFault -Simulator $sim -Id $counter.Id).Fired | Should -BeGreaterThan 0
            Remove-XenSimulatorFault -All -Simulator $sim -Confirm:$false

            Get-XenHost | Out-Null
            Get-XenRepository | Out-Null
            $counter = Add-CallCounter
            Get-Completion 'Get-XenHost -Name xen' | Should -Be @('xennode01', 'xennode02', 'xennode03')
            Get-Completion 'Get-XenRepository NFS' | Should -Be @("'NFS VM storage'")
            (Get-XenSimulatorFault -Simulator $sim -Id $counter.Id).Fired | Should -Be 0
        }
        finally {
            Remove-XenSimulatorFault -All -Simulator $sim -Confirm:$false
            # $fresh replaced the suite's connection (same pool and user); put one back.
            Disconnect-XenPool -Connection $fresh -Confirm:$false
            Connect-XenPool -Server $sim.Url -Credential $sim.Credential | Out-Null
        }
    }

    It 'completes host, repository, network and template names on the parameters that take them' {
        Get-Completion 'Move-XenVM fedora-web -Destination xennode0' | Should -Be @('xennode01', 'xennode02', 'xennode03')
        Get-Completion 'Test-XenHaPlan -FailedHost xennode02' | Should -Be @('xennode02')
        Get-Completion 'Suspend-XenHost xennode03' | Should -Be @('xennode03')
        Get-Completion 'New-XenVM -Name x -Repository NFS' | Should -Be @("'NFS VM storage'")
        Get-Completion 'Enable-XenHa -HeartbeatRepository *VM' | Should -Be @("'NFS VM storage'")
        Get-Completion 'Set-XenPool -DefaultRepository Local' | Should -Be @("'Local storage'")
        Get-Completion 'New-XenVM -Name x -Network Pool' | Should -Be @("'Pool-wide network associated with eth0'")
        Get-Completion 'Get-XenNetwork Pool' | Should -Be @("'Pool-wide network associated with eth0'")
        Get-Completion 'New-XenVM -Name x -Template Deb' | Should -Be @("'Debian Bookworm 12'")
        Get-Completion 'Get-XenTemplate Windows' | Should -Contain "'Windows XP SP3 (32-bit)'"
    }

    It 'uses -Connection when given' {
        $pool3 = Get-XenConnection | Select-Object -First 1
        $other = Start-XenSimulator -HostCount 1 -Speed 50
        try {
            $single = Connect-XenPool -Server $other.Url -Credential $other.Credential
            # $single is now the default connection; -Connection picks the pool of three.
            Get-Completion 'Get-XenHost xen' | Should -Be @('xennode01')
            Get-Completion 'Get-XenHost -Connection $pool3 xen' | Should -Be @('xennode01', 'xennode02', 'xennode03')
            Disconnect-XenPool -Connection $single -Confirm:$false
        }
        finally {
            Stop-XenSimulator $other
        }
    }

    It 'offers nothing, without an error, when there is no connection' {
        $saved = @(Get-XenConnection)
        Get-XenConnection | Disconnect-XenPool -Confirm:$false
        try {
            $result = TabExpansion2 -inputScript 'Get-XenVM -Name Fed' -cursorColumn 19
            $result.CompletionMatches | Should -BeNullOrEmpty
        }
        finally {
            Connect-XenPool -Server $sim.Url -Credential $sim.Credential | Out-Null
        }
        $saved | Should -Not -BeNullOrEmpty
    }
}
