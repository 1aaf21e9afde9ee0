# Helpers shared by the migration, maintenance and task suites; dot-sourced inside BeforeAll after Common.ps1.
function Start-TestPool {
    # A three-host pool with an NFS repository; -Speed makes simulated time run faster (or slower).
    param([double] $Speed = 20, [int] $MemoryGB, [string] $ApiVersion)
    $options = @{ HostCount = 3; Preset = 'pooled'; Speed = $Speed }
    if ($MemoryGB) { $options.MemoryGB = $MemoryGB }
    if ($ApiVersion) { $options.ApiVersion = $ApiVersion }
    $script:sim = Start-XenSimulator @options
    $script:connection = Connect-XenPool -Server $script:sim.Url -Credential $script:sim.Credential
    $coordinator = Get-XenHost | Where-Object IsCoordinator
    $sr = Invoke-XenApi SR.create -ArgumentList $coordinator, @{ server = '192.0.2.10'; serverpath = '/export/xen' },
        0, 'NFS VM storage', 'Shared VM disks', 'nfs', 'user', $true, @{} -Confirm:$false
    $sr | Should -Match '^OpaqueRef:'
}

function Stop-TestPool {
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    if ($script:sim) { Stop-XenSimulator $script:sim; $script:sim = $null }
}

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

function New-RunningVM {
    # Creates a VM on a repository, starts it on a host and, with -Tools, waits until its tools report.
    param(
        [Parameter(Mandatory)] [string] $Name,
        [string] $On = 'xennode01',
        [string] $Template = 'Debian Bookworm 12',
        [string] $Repository = 'NFS VM storage',
        [double] $MemoryGB = 1,
        [switch] $Tools,
        [switch] $NoTools
    )
    $vm = New-XenVM -Name $Name -Template $Template -MemoryGB $MemoryGB -Repository $Repository -Confirm:$false -ErrorAction Stop
    $vm | Should -Not -BeNullOrEmpty
    if ($Tools) {
        # "Install the tools" (simulator convention): the key the Linux templates already carry.
        Invoke-XenApi VM.remove_from_other_config -ArgumentList $vm, 'xensim_tools' -Confirm:$false | Out-Null
        Invoke-XenApi VM.add_to_other_config -ArgumentList $vm, 'xensim_tools', 'true' -Confirm:$false | Out-Null
    }
    if ($NoTools) { Invoke-XenApi VM.remove_from_other_config -ArgumentList $vm, 'xensim_tools' -Confirm:$false | Out-Null }
    Start-XenVM -Name $Name -Host $On -Confirm:$false -ErrorAction Stop
    if ($Tools) {
        for ($i = 0; $i -lt 200 -and (Get-XenVM $Name).ToolsStatus -ne 'Optimized'; $i++) { Start-Sleep -Milliseconds 50 }
        (Get-XenVM $Name).ToolsStatus | Should -Be 'Optimized'
    }
    Get-XenVM $Name
}
