# DSC resources (issue 6): the classes of the companion module XenHaDsc (staged next to XenHa as
# out/XenHaDsc/<version>/), their discovery, and Get/Test/Set
# against the simulator: Test() false with the right Reasons, Set(), Test() true, and the article's
# end state applied twice. Resources log in themselves, and Connect-XenPool replaces a connection to
# the same pool and user, so the tests read the pool through connections they open after each call.

BeforeDiscovery {
    $resources = 'XenPool', 'XenNfsRepository', 'XenIscsiRepository', 'XenIsoLibrary', 'XenHa', 'XenVMProtection'
    $resourceCases = @($resources | ForEach-Object { @{ Resource = $_ } })
    $hasDscModule = [bool] (Get-Module -ListAvailable PSDesiredStateConfiguration)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $xenHa = Get-Module XenHa
    # The companion module sits next to the XenHa under test: <out>/XenHa/<version> and <out>/XenHaDsc/<version>.
    $modulesRoot = Split-Path (Split-Path $xenHa.ModuleBase)
    $dscManifest = Join-Path $modulesRoot "XenHaDsc/$($xenHa.Version)/XenHaDsc.psd1"
    $module = Import-Module $dscManifest -Force -PassThru -ErrorAction Stop

    function New-Resource([string] $Type, [hashtable] $Properties) {
        # The classes live in the module's scope; build the instance there.
        & $module ([scriptblock]::Create("param(`$p) [$Type] `$p")) $Properties
    }

    function Get-ResourceType([string] $Type) {
        & $module ([scriptblock]::Create("[$Type]"))
    }

    function Use-Pool([scriptblock] $Action) {
        # Runs $Action with a fresh connection to the simulator, then logs out.
        $connection = Connect-XenPool -Server $sim.Url -Credential $sim.Credential
        try { & $Action $connection }
        finally { Disconnect-XenPool -Connection $connection -Confirm:$false }
    }

    function Add-NoWriteFault {
        # From now on any write a Set() might make fails loudly: proof that it makes none. SR.create is
        # left out: iSCSI LUN discovery (XenIscsiRepository with Lun) is an SR.create that fails by
        # design; the snapshot comparison shows no repository was added.
        foreach ($method in 'pool.join', 'pool.set_*', 'pool.enable_ha', 'pool.disable_ha', 'SR.introduce', 'SR.destroy',
            'SR.forget', 'PBD.create', 'PBD.plug', 'PBD.unplug', 'VM.set_*', 'VM.create', 'VM.clone', 'VM.provision', 'VM.start') {
            Add-XenSimulatorFault -Simulator $sim -Kind Call -Method $method -ErrorCode 'XENHA_TEST_UNEXPECTED_WRITE' -Confirm:$false | Out-Null
        }
    }

    function Start-DscPool {
        # A pool of three with the VMs' NFS repository, made without the resources under test.
        $script:sim = Start-XenSimulator -HostCount 3 -Preset pooled -Speed 50
        Use-Pool {
            param($c)
            New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen -Connection $c -Confirm:$false | Out-Null
        }
    }

    function Stop-DscPool {
        Get-XenConnection | Disconnect-XenPool -Confirm:$false
        if ($script:sim) { Stop-XenSimulator $script:sim; $script:sim = $null }
    }

    function Assert-Cycle($Resource, [string[]] $ExpectedCodes) {
        # Test() false with exactly these reasons, Set(), Test() true, and no session left behind.
        $connections = @(Get-XenConnection).Count
        $Resource.Test() | Should -BeFalse
        $before = $Resource.Get()
        @($before.Reasons.Code | Sort-Object) | Should -Be @($ExpectedCodes | Sort-Object)
        foreach ($reason in $before.Reasons) { $reason.Phrase | Should -Not -BeNullOrEmpty }
        $Resource.Set()
        $Resource.Test() | Should -BeTrue
        $after = $Resource.Get()
        $after.Reasons | Should -BeNullOrEmpty
        $after.Credential | Should -BeNullOrEmpty -Because 'Get() never hands the password back'
        @(Get-XenConnection).Count | Should -Be $connections -Because 'every resource logs out in a finally block'
        $after
    }
}

AfterAll {
    # Later files re-import XenHa with -Force; nothing may still require it then.
    Remove-Module XenHaDsc -ErrorAction SilentlyContinue
}

Describe 'XenHa DSC resources: discovery' {
    It 'lists the six resources in the XenHaDsc manifest, which requires exactly this XenHa' {
        $manifest = Import-PowerShellDataFile $dscManifest
        $manifest.RootModule | Should -Be 'XenHaDsc.psm1'
        $manifest.ModuleVersion | Should -Be ([string] $xenHa.Version)
        @($manifest.DscResourcesToExport | Sort-Object) | Should -Be @('XenHa', 'XenIscsiRepository', 'XenIsoLibrary', 'XenNfsRepository', 'XenPool', 'XenVMProtection')
        $manifest.RequiredModules | Should -HaveCount 1
        $manifest.RequiredModules[0].ModuleName | Should -Be 'XenHa'
        $manifest.RequiredModules[0].GUID | Should -Be ([string] $xenHa.Guid)
        $manifest.RequiredModules[0].RequiredVersion | Should -Be ([string] $xenHa.Version)
        $module.RequiredModules.Name | Should -Be 'XenHa' -Because 'the import resolved it'
        $module.ModuleType | Should -Be 'Script'
    }

    It 'leaves XenHa itself without classes: its root is XenHa.dll and it exports no DSC resource' {
        $manifest = Import-PowerShellDataFile (Join-Path $xenHa.ModuleBase 'XenHa.psd1')
        $manifest.RootModule | Should -Be 'XenHa.dll'
        $manifest.ContainsKey('NestedModules') | Should -BeFalse
        $manifest.ContainsKey('DscResourcesToExport') | Should -BeFalse
        $xenHa.ModuleType | Should -Be 'Binary'
        @(Get-ChildItem $xenHa.ModuleBase -Filter *.psm1) | Should -BeNullOrEmpty
    }

    It '<Resource> is a [DscResource()] class with a Key, a credential and Reasons' -ForEach $resourceCases {
        $type = Get-ResourceType $Resource
        $type.GetCustomAttributes([System.Management.Automation.DscResourceAttribute], $true) | Should -HaveCount 1
        $properties = $type.GetProperties() | ForEach-Object {
            $attribute = $_.GetCustomAttributes([System.Management.Automation.DscPropertyAttribute], $true) | Select-Object -First 1
            if ($attribute) { [pscustomobject]@{ Name = $_.Name; Type = $_.PropertyType; Key = $attribute.Key; NotConfigurable = $attribute.NotConfigurable } }
        }
        @($properties | Where-Object Key) | Should -Not -BeNullOrEmpty
        ($properties | Where-Object Name -EQ 'Credential').Type | Should -Be ([pscredential])
        $reasons = $properties | Where-Object Name -EQ 'Reasons'
        $reasons.NotConfigurable | Should -BeTrue
        $reasons.Type.GetElementType().Name | Should -Be 'XenHaReason'
        foreach ($method in 'Get', 'Test', 'Set') { $type.GetMethod($method, [type[]] @()) | Should -Not -BeNullOrEmpty }
    }

    It 'exports the resource classes to "using module XenHaDsc" in a fresh pwsh, which loads XenHa by name (what DSC does)' {
        $script = "using module XenHaDsc`n" + '@([XenPool], [XenNfsRepository], [XenIscsiRepository], [XenIsoLibrary], [XenHa], [XenVMProtection] | Where-Object { $_.GetCustomAttributes([System.Management.Automation.DscResourceAttribute], $true) }).Count; (Get-Command -Module XenHa).Count; (Get-Module XenHa).ModuleBase'
        $saved = $env:PSModulePath
        try {
            $env:PSModulePath = $modulesRoot + [System.IO.Path]::PathSeparator + $saved
            $output = & dotnet pwsh -NoProfile -NonInteractive -Command $script 2>&1
        }
        finally {
            $env:PSModulePath = $saved
        }
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        $output[0] | Should -Be '6'
        [int] $output[1] | Should -Be $xenHa.ExportedCmdlets.Count
        $output[2] | Should -Be $xenHa.ModuleBase
    }

    It 'is found by Get-DscResource where PSDesiredStateConfiguration is installed' -Skip:(-not $hasDscModule) {
        Import-Module PSDesiredStateConfiguration
        $saved = $env:PSModulePath
        try {
            $env:PSModulePath = $modulesRoot + [System.IO.Path]::PathSeparator + $saved
            @(Get-DscResource -Module XenHaDsc).Name | Sort-Object | Should -Be @('XenHa', 'XenIscsiRepository', 'XenIsoLibrary', 'XenNfsRepository', 'XenPool', 'XenVMProtection')
        }
        finally {
            $env:PSModulePath = $saved
        }
    }
}

Describe 'XenPool' {
    BeforeAll { $script:sim = Start-XenSimulator -HostCount 3 -Speed 50 }
    AfterAll { Stop-DscPool }

    It 'makes three fresh hosts a pool: Test() false, Set(), Test() true' {
        $resource = New-Resource XenPool @{
            Name = 'XenHA-Pool'; Coordinator = $sim.HostUrls[0]; Members = @($sim.HostUrls[1], $sim.HostUrls[2]); Credential = $sim.Credential
        }
        $reasons = $resource.Get().Reasons
        ($reasons | Where-Object Code -EQ 'XenPool:XenPool:Name').Phrase | Should -Be "The property Name should be 'XenHA-Pool', but was ''."
        ($reasons | Where-Object Code -EQ 'XenPool:XenPool:Members').Phrase | Should -BeLike "*should be '$($sim.HostUrls[1])', '$($sim.HostUrls[2])', but was ''."
        $state = Assert-Cycle $resource 'XenPool:XenPool:Name', 'XenPool:XenPool:Members'
        $state.Name | Should -Be 'XenHA-Pool'
        $state.Members | Should -Be @($sim.HostUrls[1], $sim.HostUrls[2])
        Use-Pool { param($c) (Get-XenPool -Connection $c).HostCount | Should -Be 3 }
    }

    It 'reports a coordinator that is a member of the pool, and Set() refuses to move the role' {
        $resource = New-Resource XenPool @{ Name = 'XenHA-Pool'; Coordinator = $sim.HostUrls[1]; Credential = $sim.Credential }
        $reasons = $resource.Get().Reasons
        $reasons.Code | Should -Be 'XenPool:XenPool:Coordinator'
        $reasons.Phrase | Should -Be "The property Coordinator should be '$($sim.HostUrls[1])', but was '127.0.0.1'."
        { $resource.Set() } | Should -Throw '*does not move the coordinator role*'
    }
}

Describe 'Repository resources' {
    BeforeAll { Start-DscPool }
    AfterAll { Stop-DscPool }

    It 'XenNfsRepository adds and makes default an NFS repository' {
        $resource = New-Resource XenNfsRepository @{
            Name = 'NFS2'; Server = $sim.Url; NfsServer = 'nas01'; NfsPath = '/export/empty'; Default = $true; Credential = $sim.Credential
        }
        $resource.Get().Reasons.Phrase | Should -Be "The pool has no XenNfsRepository named 'NFS2'."
        $state = Assert-Cycle $resource 'XenNfsRepository:XenNfsRepository:Exists'
        $state.Exists | Should -BeTrue
        $state.NfsPath | Should -Be '/export/empty'
        Use-Pool { param($c) (Get-XenPool -Connection $c).DefaultRepository | Should -Be 'NFS2' }
    }

    It 'XenNfsRepository reports a repository that is not the default, and a different export' {
        $notDefault = New-Resource XenNfsRepository @{
            Name = 'NFS-SR'; Server = $sim.Url; NfsServer = 'nas01'; NfsPath = '/export/xen'; Default = $true; Credential = $sim.Credential
        }
        Use-Pool { param($c) Set-XenPool -DefaultRepository 'NFS2' -Connection $c -Confirm:$false }
        $reason = $notDefault.Get().Reasons
        $reason.Code | Should -Be 'XenNfsRepository:XenNfsRepository:Default'
        $reason.Phrase | Should -Be "The repository 'NFS-SR' should be the pool's default repository, but is not."
        Assert-Cycle $notDefault 'XenNfsRepository:XenNfsRepository:Default' | Out-Null

        $moved = New-Resource XenNfsRepository @{ Name = 'NFS-SR'; Server = $sim.Url; NfsServer = 'nas02'; NfsPath = '/export/xen'; Credential = $sim.Credential }
        $moved.Get().Reasons.Phrase | Should -Be "The property NfsServer should be 'nas02', but was 'nas01'."
        { $moved.Set() } | Should -Throw '*does not move a repository*'
    }

    It 'XenNfsRepository reports a repository that is not plugged on every host, and Set() plugs it' {
        $resource = New-Resource XenNfsRepository @{ Name = 'NFS-SR'; Server = $sim.Url; NfsServer = 'nas01'; NfsPath = '/export/xen'; Credential = $sim.Credential }
        $resource.Test() | Should -BeTrue
        Use-Pool {
            param($c)
            $sr = Get-XenRepository 'NFS-SR' -Connection $c
            $pbds = Invoke-XenApi PBD.get_all_records -Connection $c
            $pbd = @($pbds.Keys | Where-Object { $pbds[$_].SR -eq $sr.OpaqueRef })[0]
            Invoke-XenApi PBD.unplug -ArgumentList $pbd -Connection $c -Confirm:$false | Out-Null
        }
        $reason = $resource.Get().Reasons
        $reason.Code | Should -Be 'XenNfsRepository:XenNfsRepository:Attached'
        $reason.Phrase | Should -Be "The repository 'NFS-SR' should be plugged on every host, but is plugged on 2/3."
        Assert-Cycle $resource 'XenNfsRepository:XenNfsRepository:Attached' | Out-Null
    }

    It 'XenIscsiRepository adds the repository on the LUN' {
        $resource = New-Resource XenIscsiRepository @{ Name = 'iSCSI-SR'; Server = $sim.Url; Target = 'san01'; Lun = 0; Credential = $sim.Credential }
        $resource.Get().Reasons.Phrase | Should -Be "The pool has no XenIscsiRepository named 'iSCSI-SR'."
        $state = Assert-Cycle $resource 'XenIscsiRepository:XenIscsiRepository:Exists'
        $state.Target | Should -Be 'san01'
        $state.ScsiId | Should -Not -BeNullOrEmpty
        $wrongLun = New-Resource XenIscsiRepository @{ Name = 'iSCSI-SR'; Server = $sim.Url; Target = 'san01'; ScsiId = 'not-this-lun'; Credential = $sim.Credential }
        $wrongLun.Get().Reasons.Phrase | Should -Be "The property ScsiId should be 'not-this-lun', but was '$($state.ScsiId)'."
    }

    It 'XenIsoLibrary adds the CIFS library with its share user' {
        $share = [pscredential]::new('isouser', (ConvertTo-SecureString 'isopass' -AsPlainText -Force))
        $resource = New-Resource XenIsoLibrary @{ Name = 'ISO library'; Server = $sim.Url; Location = '//192.0.2.30/isos'; ShareCredential = $share; Credential = $sim.Credential }
        $resource.Get().Reasons.Phrase | Should -Be "The pool has no XenIsoLibrary named 'ISO library'."
        $state = Assert-Cycle $resource 'XenIsoLibrary:XenIsoLibrary:Exists'
        $state.Location | Should -Be '//192.0.2.30/isos'
        $state.ShareCredential | Should -BeNullOrEmpty -Because 'Get() never hands a credential back'
        $otherUser = New-Resource XenIsoLibrary @{
            Name = 'ISO library'; Server = $sim.Url; Location = '//192.0.2.30/isos'; Credential = $sim.Credential
            ShareCredential = [pscredential]::new('someone', (ConvertTo-SecureString 'x' -AsPlainText -Force))
        }
        $otherUser.Get().Reasons.Phrase | Should -Be "The library 'ISO library' should use the share user 'someone', but uses 'isouser'."
    }
}

Describe 'XenVMProtection and XenHa' {
    BeforeAll {
        Start-DscPool
        Use-Pool {
            param($c)
            New-XenVM -Name 'fedora' -Template 'Fedora Linux' -Repository 'NFS-SR' -MemoryGB 2 -Connection $c -Confirm:$false | Out-Null
            New-XenVM -Name 'win xp' -Template 'Windows XP SP3 (32-bit)' -Repository 'NFS-SR' -MemoryGB 1 -Connection $c -Confirm:$false | Out-Null
        }
    }
    AfterAll { Stop-DscPool }

    It 'XenVMProtection sets the restart priority, order and start delay' {
        $resource = New-Resource XenVMProtection @{ VMName = 'fedora'; Server = $sim.Url; Priority = 'Restart'; Order = 2; StartDelaySeconds = 5; Credential = $sim.Credential }
        ($resource.Get().Reasons | Where-Object Code -Like '*:Priority').Phrase | Should -Be "The property Priority should be 'Restart', but was 'DoNotRestart'."
        $state = Assert-Cycle $resource 'XenVMProtection:XenVMProtection:Priority', 'XenVMProtection:XenVMProtection:Order', 'XenVMProtection:XenVMProtection:StartDelaySeconds'
        $state.Priority | Should -Be 'Restart'
        Use-Pool {
            param($c)
            $vm = Get-XenVM fedora -Connection $c
            $vm.HaRestartPriority | Should -Be 'restart'
            $vm.Record.Order | Should -Be 2
            $vm.Record.StartDelay | Should -Be 5
        }
    }

    It 'XenVMProtection changes only the order when only the order drifted, and unprotects with DoNotRestart' {
        $resource = New-Resource XenVMProtection @{ VMName = 'win xp'; Server = $sim.Url; Priority = 'BestEffort'; Order = 1; Credential = $sim.Credential }
        Assert-Cycle $resource 'XenVMProtection:XenVMProtection:Priority', 'XenVMProtection:XenVMProtection:Order' | Out-Null
        Use-Pool { param($c) Invoke-XenApi VM.set_order -ArgumentList (Get-XenVM 'win xp' -Connection $c), 3 -Connection $c -Confirm:$false | Out-Null }
        $resource.Get().Reasons.Phrase | Should -Be "The property Order should be '1', but was '3'."
        Assert-Cycle $resource 'XenVMProtection:XenVMProtection:Order' | Out-Null

        $off = New-Resource XenVMProtection @{ VMName = 'win xp'; Server = $sim.Url; Priority = 'DoNotRestart'; Credential = $sim.Credential }
        Assert-Cycle $off 'XenVMProtection:XenVMProtection:Priority' | Out-Null
        Use-Pool { param($c) (Get-XenVM 'win xp' -Connection $c).HaRestartPriority | Should -Be '' }
    }

    It 'XenVMProtection fails clearly for a VM that does not exist' {
        $resource = New-Resource XenVMProtection @{ VMName = 'nope'; Server = $sim.Url; Priority = 'Restart'; Credential = $sim.Credential }
        { $resource.Test() } | Should -Throw "*no VM named 'nope'*"
        @(Get-XenConnection) | Should -BeNullOrEmpty -Because 'the failed read still logs out'
    }

    It 'XenHa enables HA, changes the timeout (off and on again), and disables it' {
        $resource = New-Resource XenHa @{ Server = $sim.Url; Enabled = $true; HeartbeatRepository = 'NFS-SR'; HostFailuresToTolerate = 1; TimeoutSeconds = 30; Credential = $sim.Credential }
        ($resource.Get().Reasons | Where-Object Code -EQ 'XenHa:XenHa:Enabled').Phrase | Should -Be "The property Enabled should be 'True', but was 'False'."
        $state = Assert-Cycle $resource 'XenHa:XenHa:Enabled', 'XenHa:XenHa:HeartbeatRepository', 'XenHa:XenHa:HostFailuresToTolerate', 'XenHa:XenHa:TimeoutSeconds'
        $state.TimeoutSeconds | Should -Be 30
        Use-Pool { param($c) $ha = Get-XenHa -Connection $c; $ha.Enabled | Should -BeTrue; $ha.HeartbeatRepository | Should -Be 'NFS-SR'; $ha.TimeoutSeconds | Should -Be 30 }

        $longer = New-Resource XenHa @{ Server = $sim.Url; Enabled = $true; HeartbeatRepository = 'NFS-SR'; HostFailuresToTolerate = 1; TimeoutSeconds = 90; Credential = $sim.Credential }
        $longer.Get().Reasons.Phrase | Should -Be "The property TimeoutSeconds should be '90', but was '30'."
        Assert-Cycle $longer 'XenHa:XenHa:TimeoutSeconds' | Out-Null

        $off = New-Resource XenHa @{ Server = $sim.Url; Enabled = $false; Credential = $sim.Credential }
        Assert-Cycle $off 'XenHa:XenHa:Enabled' | Out-Null
        Use-Pool { param($c) (Get-XenHa -Connection $c).Enabled | Should -BeFalse }
    }
}

Describe 'The article''s end state as one configuration, applied twice' {
    BeforeAll {
        $script:sim = Start-XenSimulator -HostCount 3 -Speed 50
        $share = [pscredential]::new('isouser', (ConvertTo-SecureString 'isopass' -AsPlainText -Force))
        $pool = $sim.Url
        $cred = $sim.Credential
        # In the order a configuration's DependsOn would run them. The VMs come from a script step
        # (DSC's Script resource would do it): there is no VM resource.
        $configuration = @(
            New-Resource XenPool @{ Name = 'XenHA-Pool'; Coordinator = $sim.HostUrls[0]; Members = @($sim.HostUrls[1], $sim.HostUrls[2]); Credential = $cred }
            New-Resource XenNfsRepository @{ Name = 'NFS-SR'; Server = $pool; NfsServer = 'nas01'; NfsPath = '/export/xen'; Default = $true; Credential = $cred }
            New-Resource XenIscsiRepository @{ Name = 'iSCSI-SR'; Server = $pool; Target = 'san01'; Lun = 0; Credential = $cred }
            New-Resource XenIsoLibrary @{ Name = 'ISO library'; Server = $pool; Location = '//192.0.2.30/isos'; ShareCredential = $share; Credential = $cred }
            'VMs'
            New-Resource XenVMProtection @{ VMName = 'fedora'; Server = $pool; Priority = 'Restart'; Order = 1; Credential = $cred }
            New-Resource XenVMProtection @{ VMName = 'winxp'; Server = $pool; Priority = 'Restart'; Order = 2; StartDelaySeconds = 10; Credential = $cred }
            New-Resource XenHa @{ Server = $pool; Enabled = $true; HeartbeatRepository = 'iSCSI-SR'; HostFailuresToTolerate = 1; TimeoutSeconds = 60; Credential = $cred }
        )

        function Invoke-Configuration {
            # What the LCM does for each resource: Test(), and Set() only when Test() is false.
            foreach ($resource in $configuration) {
                if ($resource -eq 'VMs') {
                    Use-Pool {
                        param($c)
                        foreach ($vm in @{ Name = 'fedora'; Template = 'Fedora Linux'; MemoryGB = 2 }, @{ Name = 'winxp'; Template = 'Windows XP SP3 (32-bit)'; MemoryGB = 1 }) {
                            if (-not (Get-XenVM -Connection $c | Where-Object Name -EQ $vm.Name)) {
                                New-XenVM @vm -Repository 'NFS-SR' -Start -Connection $c -Confirm:$false | Out-Null
                            }
                        }
                    }
                    continue
                }
                $inState = $resource.Test()
                [pscustomobject]@{ Resource = $resource.GetType().Name; InState = $inState }
                if (-not $inState) { $resource.Set() }
            }
        }

        function Get-Snapshot {
            Use-Pool {
                param($c)
                $pool = Get-XenPool -Connection $c
                $ha = Get-XenHa -Connection $c
                [pscustomobject]@{
                    Pool         = '{0}|{1}|{2}' -f $pool.Name, $pool.HostCount, $pool.DefaultRepository
                    Repositories = (Get-XenRepository -Shared -Connection $c | ForEach-Object { "$($_.Uuid)=$($_.Name)/$($_.HostsAttached)" } | Sort-Object) -join ','
                    VMs          = (Get-XenVM -Connection $c | ForEach-Object { "$($_.Uuid)=$($_.Name)/$($_.HaRestartPriority)/$($_.Record.Order)/$($_.Record.StartDelay)" } | Sort-Object) -join ','
                    Ha           = '{0}|{1}|{2}|{3}' -f $ha.Enabled, $ha.HeartbeatRepository, $ha.HostFailuresToTolerate, $ha.TimeoutSeconds
                }
            }
        }
    }
    AfterAll { Stop-DscPool }

    It 'the first run finds everything out of state and brings the pool to the article''s end state' {
        $first = @(Invoke-Configuration)
        $first | Should -HaveCount 7
        @($first | Where-Object InState) | Should -BeNullOrEmpty
        foreach ($resource in $configuration | Where-Object { $_ -ne 'VMs' }) { $resource.Test() | Should -BeTrue -Because $resource.GetType().Name }
        $state = Get-Snapshot
        $state.Pool | Should -Be 'XenHA-Pool|3|NFS-SR'
        $state.Repositories | Should -Match 'NFS-SR/3/3'
        $state.Repositories | Should -Match 'iSCSI-SR/3/3'
        $state.Repositories | Should -Match 'ISO library/3/3'
        $state.VMs | Should -Match 'fedora/restart/1/0'
        $state.VMs | Should -Match 'winxp/restart/2/10'
        $state.Ha | Should -Be 'True|iSCSI-SR|1|60'
    }

    It 'the second run finds every resource in state and writes nothing' {
        $before = Get-Snapshot
        Add-NoWriteFault
        try {
            $second = @(Invoke-Configuration)
            $second | Should -HaveCount 7
            @($second | Where-Object { -not $_.InState }) | Should -BeNullOrEmpty
            # Set() on a resource in state is a no-op too (a configuration applied with -Force).
            foreach ($resource in $configuration | Where-Object { $_ -ne 'VMs' }) { $resource.Set() }
        }
        finally {
            Remove-XenSimulatorFault -All -Simulator $sim -Confirm:$false
        }
        (Get-Snapshot | ConvertTo-Json) | Should -Be ($before | ConvertTo-Json)
        @(Get-XenConnection) | Should -BeNullOrEmpty
    }
}
