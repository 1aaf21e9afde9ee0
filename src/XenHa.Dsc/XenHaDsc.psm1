<#
    XenHa's class-based DSC resources: the root of the companion module XenHaDsc, which requires
    XenHa for the cmdlets. They live apart from XenHa because compiling PowerShell classes is most of
    what a first Import-Module costs, and most sessions never use DSC. Every resource logs in with its
    Credential, works through XenHa's cmdlets on that one connection, and logs out again in a finally
    block, so Get/Test/Set leave no session behind.
#>
Set-StrictMode -Version 3.0

# One property that is not in the desired state (the DSC community's Reasons convention).
class XenHaReason {
    [DscProperty()]
    [string] $Code

    [DscProperty()]
    [string] $Phrase
}

<#
    The template every resource follows: Get() reads the current state through GetCurrentState()
    and lists what differs as Reasons; Test() is true when there is no reason; Set() calls
    Modify() with the current state only when something differs, so a second Set() changes nothing.
#>
class XenHaResourceBase {
    [DscProperty(Mandatory)]
    [PSCredential] $Credential

    # For pools whose certificate is not trusted by this machine (self-signed, as installed).
    [DscProperty()]
    [bool] $SkipCertificateCheck

    [DscProperty(NotConfigurable)]
    [XenHaReason[]] $Reasons

    # The address to log into; each resource names it.
    hidden [string] ServerAddress() { throw "$($this.GetType().Name) does not name its server." }

    # A hashtable of the current values of the compared properties, read on the connection.
    hidden [hashtable] GetCurrentState([object] $Connection) { throw "$($this.GetType().Name) does not read its state." }

    # Brings the pool into the desired state; $Current is what GetCurrentState returned.
    hidden [void] Modify([object] $Connection, [hashtable] $Current) { throw "$($this.GetType().Name) cannot change its state." }

    # The properties Get() and Test() compare, in the order they are reported.
    hidden [string[]] ComparedProperties() { return @() }

    # Returns the resource as it is now, with Reasons.
    hidden [object] GetState() {
        $current = $this.WithConnection({ param($connection) $this.GetCurrentState($connection) })
        $state = $this.GetType()::new()
        foreach ($property in $this.PSObject.Properties) {
            # Get() never hands a credential back.
            if ($property.Name -ne 'Reasons' -and $property.Value -isnot [pscredential]) { $state.($property.Name) = $property.Value }
        }
        foreach ($key in $this.ComparedProperties()) {
            if ($current.ContainsKey($key)) { $state.$key = $current[$key] }
        }
        $state.Reasons = $this.CompareState($current)
        return $state
    }

    hidden [bool] TestState() {
        # A method returns $null for "no reasons"; drop it so the count is exact.
        $found = @($this.WithConnection({ param($connection) $this.CompareState($this.GetCurrentState($connection)) }) | Where-Object { $null -ne $_ })
        foreach ($reason in $found) { Write-Verbose "$($reason.Code): $($reason.Phrase)" }
        return $found.Count -eq 0
    }

    hidden [void] SetState() {
        $this.WithConnection({
                param($connection)
                $current = $this.GetCurrentState($connection)
                $differences = @($this.CompareState($current))
                if ($differences.Count -eq 0) {
                    Write-Verbose "$($this.GetType().Name): already in the desired state; nothing to do."
                    return
                }
                foreach ($reason in $differences) { Write-Verbose "Changing: $($reason.Phrase)" }
                $this.Modify($connection, $current)
            }) | Out-Null
    }

    <#
        Compares the desired values with $Current. A property left unset ($null) is not compared;
        an array property is in state when every desired item is present. $Current may carry
        '_Reasons' (property/phrase pairs) for findings that are not a simple value, such as a
        repository that is not plugged on every host.
    #>
    hidden [XenHaReason[]] CompareState([hashtable] $Current) {
        $list = [System.Collections.Generic.List[XenHaReason]]::new()
        $name = $this.GetType().Name
        if ($Current.ContainsKey('Exists') -and -not $Current.Exists) {
            $list.Add([XenHaReason] @{ Code = "${name}:${name}:Exists"; Phrase = "The pool has no $name named '$($this.Name)'." })
            return $list.ToArray()
        }
        foreach ($key in $this.ComparedProperties()) {
            $desired = $this.$key
            if ($null -eq $desired) { continue }
            $actual = $Current[$key]
            $differs = if ($desired -is [array]) {
                @($desired | Where-Object { $_ -notin @($actual) }).Count -gt 0
            }
            else {
                [string] $desired -cne [string] $actual
            }
            if ($differs) {
                $list.Add([XenHaReason] @{
                        Code   = "${name}:${name}:$key"
                        Phrase = "The property $key should be '$(@($desired) -join "', '")', but was '$(@($actual) -join "', '")'."
                    })
            }
        }
        if ($Current.ContainsKey('_Reasons')) {
            foreach ($extra in $Current['_Reasons']) {
                $list.Add([XenHaReason] @{ Code = "${name}:${name}:$($extra.Property)"; Phrase = $extra.Phrase })
            }
        }
        return $list.ToArray()
    }

    # Logs in, runs $Action with the connection, and logs out of every connection it opened.
    hidden [object] WithConnection([scriptblock] $Action) {
        $before = @(Get-XenConnection | ForEach-Object Id)
        try {
            $connection = Connect-XenPool -Server $this.ServerAddress() -Credential $this.Credential -SkipCertificateCheck:$this.SkipCertificateCheck -ErrorAction Stop
            return & $Action $connection
        }
        finally {
            Get-XenConnection | Where-Object { $_.Id -notin $before } | Disconnect-XenPool -Confirm:$false -ErrorAction SilentlyContinue
        }
    }

    # A host named by an address, a URL or a name matches a host's management address or name.
    static [bool] NamesHost([string] $Value, [object] $HostInfo) {
        $text = $Value.Trim()
        $uri = $null
        if ([Uri]::TryCreate($(if ($text -match '://') { $text } else { "https://$text" }), [UriKind]::Absolute, [ref] $uri)) {
            $text = $uri.Host
        }
        return $text -eq $HostInfo.Address -or $text -eq $HostInfo.Name
    }

    # Extra findings for repositories: plugged on every host, and the pool default when asked for.
    static [hashtable[]] RepositoryFindings([object] $Repository, [bool] $WantDefault) {
        $found = @()
        if ($Repository.AttachedCount -lt $Repository.ExpectedCount) {
            $found += @{ Property = 'Attached'; Phrase = "The repository '$($Repository.Name)' should be plugged on every host, but is plugged on $($Repository.HostsAttached)." }
        }
        if ($WantDefault -and -not $Repository.IsDefault) {
            $found += @{ Property = 'Default'; Phrase = "The repository '$($Repository.Name)' should be the pool's default repository, but is not." }
        }
        return $found
    }
}

<#
    A pool of hosts: the pool named Name, coordinated by Coordinator, with every host of Members in
    it. Hosts in the pool that Members does not list are left alone (ejecting a host wipes it).
#>
[DscResource()]
class XenPool : XenHaResourceBase {
    [DscProperty(Key)]
    [string] $Name

    # The coordinator's address, URL or name; Set() logs in here.
    [DscProperty(Mandatory)]
    [string] $Coordinator

    # Addresses, URLs or names of the hosts that must be members.
    [DscProperty()]
    [string[]] $Members

    [XenPool] Get() { return $this.GetState() }
    [bool] Test() { return $this.TestState() }
    [void] Set() { $this.SetState() }

    hidden [string] ServerAddress() { return $this.Coordinator }
    hidden [string[]] ComparedProperties() { return @('Name', 'Coordinator', 'Members') }

    hidden [hashtable] GetCurrentState([object] $Connection) {
        $pool = Get-XenPool -Connection $Connection -ErrorAction Stop
        $hosts = @(Get-XenHost -Connection $Connection -ErrorAction Stop)
        $coordinatorHost = $hosts | Where-Object IsCoordinator | Select-Object -First 1
        # Report a host by the value the configuration names it with, so the comparison is exact.
        $memberNames = foreach ($member in $hosts | Where-Object { -not $_.IsCoordinator }) {
            $named = @($this.Members | Where-Object { $_ -and [XenHaResourceBase]::NamesHost($_, $member) })
            if ($named.Count -gt 0) { $named[0] } else { $member.Address }
        }
        return @{
            Name        = $pool.Name
            Coordinator = if ($coordinatorHost -and [XenHaResourceBase]::NamesHost($this.Coordinator, $coordinatorHost)) { $this.Coordinator } else { [string] $coordinatorHost.Address }
            Members     = [string[]] @($memberNames)
            HostCount   = $hosts.Count
        }
    }

    hidden [void] Modify([object] $Connection, [hashtable] $Current) {
        if ($Current.Coordinator -ne $this.Coordinator) {
            throw "$($this.Coordinator) is not the coordinator of its pool (the coordinator is $($Current.Coordinator)); XenPool does not move the coordinator role."
        }
        if ($Current.Name -cne $this.Name -and $Current.HostCount -gt 1) {
            Set-XenPool -Name $this.Name -Connection $Connection -Confirm:$false -ErrorAction Stop
        }
        $parameters = @{
            Name                 = $this.Name
            Coordinator          = $this.Coordinator
            Member               = @($this.Members | Where-Object { $_ })
            Credential           = $this.Credential
            SkipCertificateCheck = $this.SkipCertificateCheck
        }
        New-XenPool @parameters -Confirm:$false -ErrorAction Stop | Out-Null
    }
}

# An NFS storage repository shared by every host of the pool at Server.
[DscResource()]
class XenNfsRepository : XenHaResourceBase {
    [DscProperty(Key)]
    [string] $Name

    # The pool: its coordinator's (or any member's) address or URL.
    [DscProperty(Key)]
    [string] $Server

    [DscProperty(Mandatory)]
    [string] $NfsServer

    [DscProperty(Mandatory)]
    [string] $NfsPath

    # True: the repository is the pool's default (new VMs, suspend images, crash dumps).
    [DscProperty()]
    [bool] $Default

    [XenNfsRepository] Get() { return $this.GetState() }
    [bool] Test() { return $this.TestState() }
    [void] Set() { $this.SetState() }

    hidden [string] ServerAddress() { return $this.Server }
    hidden [string[]] ComparedProperties() { return @('Exists', 'NfsServer', 'NfsPath') }

    # False when the pool has no repository of this name and type.
    [DscProperty(NotConfigurable)]
    [bool] $Exists = $true

    hidden [hashtable] GetCurrentState([object] $Connection) {
        $repository = @(Get-XenRepository -Name $this.Name -Type nfs -Connection $Connection -ErrorAction SilentlyContinue)
        if ($repository.Count -eq 0) { return @{ Exists = $false } }
        $found = $repository[0]
        return @{
            Exists    = $true
            NfsServer = $found.DeviceConfig['server']
            NfsPath   = $found.DeviceConfig['serverpath']
            _Reasons  = [XenHaResourceBase]::RepositoryFindings($found, $this.Default)
        }
    }

    hidden [void] Modify([object] $Connection, [hashtable] $Current) {
        if ($Current.Exists -and ($Current.NfsServer -ne $this.NfsServer -or $Current.NfsPath -cne $this.NfsPath)) {
            throw "The repository '$($this.Name)' already exists on $($Current.NfsServer):$($Current.NfsPath); XenNfsRepository does not move a repository to another export."
        }
        $repository = New-XenNfsRepository -Name $this.Name -Server $this.NfsServer -Path $this.NfsPath -Connection $Connection -Confirm:$false -ErrorAction Stop
        if ($this.Default) {
            Set-XenPool -DefaultRepository $repository.Uuid -Connection $Connection -Confirm:$false -ErrorAction Stop
        }
    }
}

# A software iSCSI storage repository on one LUN, shared by every host of the pool at Server.
[DscResource()]
class XenIscsiRepository : XenHaResourceBase {
    [DscProperty(Key)]
    [string] $Name

    [DscProperty(Key)]
    [string] $Server

    # The iSCSI portal (address or name).
    [DscProperty(Mandatory)]
    [string] $Target

    # The target IQN; the portal's only one when unset.
    [DscProperty()]
    [string] $TargetIqn

    # The LUN number; the target's only LUN when neither Lun nor ScsiId is set.
    [DscProperty()]
    [Nullable[int]] $Lun

    # The LUN's SCSI id (takes precedence over Lun).
    [DscProperty()]
    [string] $ScsiId

    [DscProperty()]
    [bool] $Default

    # False when the pool has no repository of this name and type.
    [DscProperty(NotConfigurable)]
    [bool] $Exists = $true

    [XenIscsiRepository] Get() { return $this.GetState() }
    [bool] Test() { return $this.TestState() }
    [void] Set() { $this.SetState() }

    hidden [string] ServerAddress() { return $this.Server }
    hidden [string[]] ComparedProperties() { return @('Exists', 'Target', 'TargetIqn', 'ScsiId') }

    hidden [hashtable] GetCurrentState([object] $Connection) {
        $repository = @(Get-XenRepository -Name $this.Name -Type lvmoiscsi -Connection $Connection -ErrorAction SilentlyContinue)
        if ($repository.Count -eq 0) { return @{ Exists = $false } }
        $found = $repository[0]
        $findings = @([XenHaResourceBase]::RepositoryFindings($found, $this.Default))
        if ($null -ne $this.Lun -and -not $this.ScsiId) {
            # The LUN number is not stored on the repository: ask the target which SCSI id it has.
            $luns = @(Find-XenIscsiTarget -Target $this.Target -TargetIqn $found.DeviceConfig['targetIQN'] -Connection $Connection -ErrorAction Stop |
                    Where-Object { $_.PSObject.Properties['LunId'] -and $_.LunId -eq $this.Lun })
            if ($luns.Count -eq 0 -or $luns[0].ScsiId -ne $found.DeviceConfig['SCSIid']) {
                $findings += @{ Property = 'Lun'; Phrase = "The repository '$($this.Name)' should be on LUN $($this.Lun), but is on the LUN with SCSI id '$($found.DeviceConfig['SCSIid'])'." }
            }
        }
        return @{
            Exists    = $true
            Target    = $found.DeviceConfig['target']
            TargetIqn = $found.DeviceConfig['targetIQN']
            ScsiId    = $found.DeviceConfig['SCSIid']
            _Reasons  = $findings
        }
    }

    hidden [void] Modify([object] $Connection, [hashtable] $Current) {
        if ($Current.Exists -and @($this.CompareState($Current) | Where-Object { $_.Code -notmatch ':(Attached|Default)$' }).Count -gt 0) {
            throw "The repository '$($this.Name)' already exists on another target or LUN ($($Current.Target), SCSI id $($Current.ScsiId)); XenIscsiRepository does not move a repository."
        }
        $parameters = @{ Name = $this.Name; Target = $this.Target; Connection = $Connection }
        if ($this.TargetIqn) { $parameters.TargetIqn = $this.TargetIqn }
        if ($this.ScsiId) { $parameters.ScsiId = $this.ScsiId }
        elseif ($null -ne $this.Lun) { $parameters.Lun = $this.Lun }
        $repository = New-XenIscsiRepository @parameters -Confirm:$false -ErrorAction Stop
        if ($this.Default) {
            Set-XenPool -DefaultRepository $repository.Uuid -Connection $Connection -Confirm:$false -ErrorAction Stop
        }
    }
}

# An ISO library on an SMB (//server/share) or NFS (server:/path) location, shared by every host.
[DscResource()]
class XenIsoLibrary : XenHaResourceBase {
    [DscProperty(Key)]
    [string] $Name

    [DscProperty(Key)]
    [string] $Server

    [DscProperty(Mandatory)]
    [string] $Location

    # The share's user and password (SMB only).
    [DscProperty()]
    [PSCredential] $ShareCredential

    # False when the pool has no repository of this name and type.
    [DscProperty(NotConfigurable)]
    [bool] $Exists = $true

    [XenIsoLibrary] Get() { return $this.GetState() }
    [bool] Test() { return $this.TestState() }
    [void] Set() { $this.SetState() }

    hidden [string] ServerAddress() { return $this.Server }
    hidden [string[]] ComparedProperties() { return @('Exists', 'Location') }

    hidden [hashtable] GetCurrentState([object] $Connection) {
        $repository = @(Get-XenRepository -Name $this.Name -Type iso -Connection $Connection -ErrorAction SilentlyContinue)
        if ($repository.Count -eq 0) { return @{ Exists = $false } }
        $found = $repository[0]
        $findings = @([XenHaResourceBase]::RepositoryFindings($found, $false))
        if ($this.ShareCredential -and $found.DeviceConfig['username'] -ne $this.ShareCredential.UserName) {
            $findings += @{ Property = 'ShareCredential'; Phrase = "The library '$($this.Name)' should use the share user '$($this.ShareCredential.UserName)', but uses '$($found.DeviceConfig['username'])'." }
        }
        return @{
            Exists   = $true
            Location = $found.DeviceConfig['location']
            _Reasons = $findings
        }
    }

    hidden [void] Modify([object] $Connection, [hashtable] $Current) {
        if ($Current.Exists -and $Current.Location -ne $this.Location) {
            throw "The library '$($this.Name)' already exists on '$($Current.Location)'; XenIsoLibrary does not move a library."
        }
        $parameters = @{ Name = $this.Name; Location = $this.Location; Connection = $Connection }
        if ($this.ShareCredential) { $parameters.Credential = $this.ShareCredential }
        New-XenIsoLibrary @parameters -Confirm:$false -ErrorAction Stop | Out-Null
    }
}

# High availability of the pool at Server.
[DscResource()]
class XenHa : XenHaResourceBase {
    [DscProperty(Key)]
    [string] $Server

    [DscProperty(Mandatory)]
    [bool] $Enabled

    # The repository holding the heartbeat statefile (needed when Enabled).
    [DscProperty()]
    [string] $HeartbeatRepository

    [DscProperty()]
    [Nullable[int]] $HostFailuresToTolerate

    # The HA timeout in seconds (60 when unset).
    [DscProperty()]
    [Nullable[int]] $TimeoutSeconds

    [XenHa] Get() { return $this.GetState() }
    [bool] Test() { return $this.TestState() }
    [void] Set() { $this.SetState() }

    hidden [string] ServerAddress() { return $this.Server }

    hidden [string[]] ComparedProperties() {
        # With HA off, only Enabled matters.
        if ($this.Enabled) { return @('Enabled', 'HeartbeatRepository', 'HostFailuresToTolerate', 'TimeoutSeconds') }
        return @('Enabled')
    }

    hidden [hashtable] GetCurrentState([object] $Connection) {
        $ha = Get-XenHa -Connection $Connection -ErrorAction Stop
        return @{
            Enabled                = $ha.Enabled
            HeartbeatRepository    = $ha.HeartbeatRepository
            HostFailuresToTolerate = [int] $ha.HostFailuresToTolerate
            TimeoutSeconds         = if ($ha.Enabled) { $ha.TimeoutSeconds } else { $null }
        }
    }

    hidden [void] Modify([object] $Connection, [hashtable] $Current) {
        if (-not $this.Enabled) {
            Disable-XenHa -Connection $Connection -Confirm:$false -ErrorAction Stop
            return
        }
        if (-not $this.HeartbeatRepository) { throw 'XenHa needs HeartbeatRepository to enable HA.' }
        $timeout = if ($null -ne $this.TimeoutSeconds) { $this.TimeoutSeconds } elseif ($Current.Enabled) { $Current.TimeoutSeconds } else { 60 }
        $tolerate = if ($null -ne $this.HostFailuresToTolerate) { $this.HostFailuresToTolerate } else { $Current.HostFailuresToTolerate }
        # The heartbeat repository and the timeout only change with HA off; the tolerance changes in place.
        if ($Current.Enabled -and ($Current.HeartbeatRepository -cne $this.HeartbeatRepository -or $Current.TimeoutSeconds -ne $timeout)) {
            Disable-XenHa -Connection $Connection -Confirm:$false -ErrorAction Stop
        }
        Enable-XenHa -HeartbeatRepository $this.HeartbeatRepository -HostFailuresToTolerate $tolerate -TimeoutSeconds $timeout -Connection $Connection -Confirm:$false -ErrorAction Stop | Out-Null
    }
}

# How HA restarts one VM of the pool at Server.
[DscResource()]
class XenVMProtection : XenHaResourceBase {
    [DscProperty(Key)]
    [string] $VMName

    [DscProperty(Key)]
    [string] $Server

    # Restart (always restarted, counted in the plan), BestEffort, or DoNotRestart (unprotected).
    [DscProperty(Mandatory)]
    [ValidateSet('Restart', 'BestEffort', 'DoNotRestart')]
    [string] $Priority

    # Restart order: lower numbers start first.
    [DscProperty()]
    [Nullable[int]] $Order

    # Seconds to wait after starting this VM before the next order group starts.
    [DscProperty()]
    [Nullable[int]] $StartDelaySeconds

    [XenVMProtection] Get() { return $this.GetState() }
    [bool] Test() { return $this.TestState() }
    [void] Set() { $this.SetState() }

    hidden [string] ServerAddress() { return $this.Server }
    hidden [string[]] ComparedProperties() { return @('Priority', 'Order', 'StartDelaySeconds') }

    hidden [object] FindVM([object] $Connection) {
        $vm = @(Get-XenVM -Connection $Connection -ErrorAction Stop | Where-Object Name -CEQ $this.VMName)
        if ($vm.Count -eq 0) { throw "There is no VM named '$($this.VMName)' in the pool at $($this.Server)." }
        if ($vm.Count -gt 1) { throw "$($vm.Count) VMs are named '$($this.VMName)' in the pool at $($this.Server); XenVMProtection needs a unique name." }
        return $vm[0]
    }

    hidden [hashtable] GetCurrentState([object] $Connection) {
        $vm = $this.FindVM($Connection)
        $restartPriority = switch ($vm.HaRestartPriority) {
            'restart' { 'Restart' }
            'best-effort' { 'BestEffort' }
            '' { 'DoNotRestart' }
            default { 'Restart' } # XenServer 5.x numeric priorities
        }
        return @{
            Priority          = $restartPriority
            Order             = [int] $vm.Record.Order
            StartDelaySeconds = [int] $vm.Record.StartDelay
        }
    }

    hidden [void] Modify([object] $Connection, [hashtable] $Current) {
        $vm = $this.FindVM($Connection)
        if ($this.Priority -eq 'DoNotRestart') {
            if ($Current.Priority -ne 'DoNotRestart') { $vm | Unprotect-XenVM -Confirm:$false -ErrorAction Stop }
            if (($null -ne $this.Order -and $this.Order -ne $Current.Order) -or ($null -ne $this.StartDelaySeconds -and $this.StartDelaySeconds -ne $Current.StartDelaySeconds)) {
                throw 'XenVMProtection sets Order and StartDelaySeconds only for a protected VM (Priority Restart or BestEffort).'
            }
            return
        }
        $parameters = @{ Priority = $this.Priority }
        if ($null -ne $this.Order) { $parameters.Order = $this.Order }
        if ($null -ne $this.StartDelaySeconds) { $parameters.StartDelaySeconds = $this.StartDelaySeconds }
        $vm | Protect-XenVM @parameters -Confirm:$false -ErrorAction Stop
    }
}
