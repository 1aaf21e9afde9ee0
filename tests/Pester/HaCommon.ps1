# Helpers shared by the HA, recovery and article 8-10 suites; dot-sourced inside BeforeAll after Common.ps1.
function Wait-Until {
    # Polls a condition with a bounded wait (the simulator clock runs fast).
    param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $TimeoutSeconds = 60)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds 100
    }
    return $false
}

function Start-HaPool {
    # A three-host pool with a shared NFS repository; fast simulated clock.
    param([double] $Speed = 1000, [int] $MemoryGB = 16, [string] $ApiVersion)
    $options = @{ HostCount = 3; Preset = 'pooled'; Speed = $Speed; MemoryGB = $MemoryGB }
    if ($ApiVersion) { $options.ApiVersion = $ApiVersion }
    $script:sim = Start-XenSimulator @options
    $script:connection = Connect-XenPool -Server $script:sim.Url -Credential $script:sim.Credential
    $coordinator = Get-XenHost | Where-Object IsCoordinator
    $sr = Invoke-XenApi SR.create -ArgumentList $coordinator, @{ server = '192.0.2.10'; serverpath = '/export/xen' },
        0, 'NFS VM storage', 'Shared VM disks', 'nfs', 'user', $true, @{} -Confirm:$false
    $sr | Should -Match '^OpaqueRef:'
}

function Stop-HaPool {
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    if ($script:sim) { Stop-XenSimulator $script:sim; $script:sim = $null }
}

function New-RunningVM {
    # A VM on a repository (shared NFS by default: agile), started on a host.
    param([Parameter(Mandatory)] [string] $Name, [string] $On = 'xennode02', [string] $Repository = 'NFS VM storage', [double] $MemoryGB = 1)
    $vm = New-XenVM -Name $Name -Template 'Debian Bookworm 12' -MemoryGB $MemoryGB -Repository $Repository -Confirm:$false -ErrorAction Stop
    $vm | Should -Not -BeNullOrEmpty
    Start-XenVM -Name $Name -Host $On -Confirm:$false -ErrorAction Stop
    Get-XenVM $Name
}

function Get-PoolRecord { (Invoke-XenApi pool.get_all_records).Values | Select-Object -First 1 }

function Get-LocalRepositoryUuid([string] $HostName) {
    # The uuid of a host's own "Local storage" SR (every host has one with that name).
    $hostRef = (Get-XenHost $HostName).OpaqueRef
    $pbds = Invoke-XenApi PBD.get_all_records
    $srs = Invoke-XenApi SR.get_all_records
    foreach ($key in $pbds.Keys) {
        $pbd = $pbds[$key]
        if ($pbd.host -eq $hostRef -and $srs[$pbd.SR].name_label -eq 'Local storage') { return $srs[$pbd.SR].uuid }
    }
}

function Get-ErrorOf([scriptblock] $Command) {
    # The terminating error a command ends with (its non-terminating ones stay in $Error).
    try { & $Command; $null } catch { $_ }
}

function Get-VmRecord([string] $Name) { Get-RawVmRecord -Connection $script:connection | Where-Object name_label -eq $Name }
