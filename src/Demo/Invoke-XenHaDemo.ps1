<#
.SYNOPSIS
    The XenHa demo: the article "Free high availability: create a XenServer virtualization cluster",
    end to end, against a simulated three-host farm.
.DESCRIPTION
    Step by step, as the admin did it by hand: three fresh hosts become a pool with shared NFS, iSCSI
    and ISO storage; a Fedora and a Windows XP VM go on the shared store with no home server; tools are
    installed; maintenance mode moves the VMs away live and back; HA restarts them when a host loses
    power; and on a pool without HA the guided recovery brings them back after the same failure.
    The simulated clock runs fast, so HA's 60 s timeout takes a fraction of a second.
    Exits non-zero if any step fails.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    # Simulated seconds per real second.
    [double] $Speed = 50,
    # The root credential of the simulated hosts; a random password when omitted.
    [pscredential] $Credential
)
$ErrorActionPreference = 'Stop'
if ([Console]::IsOutputRedirected -and $PSVersionTable.PSVersion.Major -ge 7) { $PSStyle.OutputRendering = 'PlainText' }
try {
    # A relative path works too (Import-Module would look for a module of that name instead).
    Import-Module (Resolve-Path -Path $ModulePath).Path -Force
}
catch {
    Write-Host "Demo failed before it started: $($_.Exception.Message)" -ForegroundColor Red
    exit 1
}

$script:step = 0
$script:stepCount = 15
function Show-Step([string] $Text) {
    $script:step++
    Write-Progress -Id 1 -Activity 'XenHa demo: the article end to end' -Status ("Step {0} of {1}: {2}" -f $script:step, $script:stepCount, $Text) `
        -PercentComplete ([int] (100 * ($script:step - 1) / $script:stepCount))
    Write-Host ''
    Write-Host ("== {0}. {1}" -f $script:step, $Text) -ForegroundColor Cyan
}

function Show([Parameter(ValueFromPipeline)] $InputObject) {
    begin { $items = [System.Collections.Generic.List[object]]::new() }
    process { $items.Add($InputObject) }
    end { $items | Format-Table | Out-Host }
}

function Wait-Until([string] $What, [scriptblock] $Condition, [int] $TimeoutSeconds = 60) {
    # A bounded wait with a progress bar; the simulated clock does the heavy lifting.
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSeconds s waiting until $What." }
        Write-Progress -Id 2 -ParentId 1 -Activity 'Waiting' -Status "Waiting until $What"
        Start-Sleep -Milliseconds 200
    }
    Write-Progress -Id 2 -Activity 'Waiting' -Completed
}

$sim = $null
$started = [DateTime]::UtcNow
try {
    Show-Step 'Three freshly installed hosts (xennode01..03), each its own pool of one'
    $simulatorArguments = @{ HostCount = 3; Speed = $Speed; MemoryGB = 32 }
    if ($Credential) { $simulatorArguments.Credential = $Credential }
    $sim = Start-XenSimulator @simulatorArguments
    Get-XenSimulatorState -Simulator $sim | Show

    Show-Step 'Add server: log into xennode01 with the root credential (no prompt, certificate policy set once)'
    Connect-XenPool -Server $sim.HostUrls[0] -Credential $sim.Credential | Show
    Get-XenHost | Show

    Show-Step 'New pool "XenHA-Pool": xennode01 coordinates, the other two join (checks first, then pool.join on each)'
    New-XenPool -Name 'XenHA-Pool' -Coordinator $sim.HostUrls[0] -Member $sim.HostUrls[1], $sim.HostUrls[2] -Credential $sim.Credential | Show
    Get-XenHost | Show

    Show-Step 'Shared storage: NFS for VMs, iSCSI (LUN discovered), an ISO library on a CIFS share'
    Find-XenIscsiTarget -Target san01 | Show
    $nfs = New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen
    New-XenIscsiRepository -Name 'iSCSI-SR' -Target san01 -Lun 0 | Out-Null
    $isoUser = [pscredential]::new('isouser', (ConvertTo-SecureString 'isopass' -AsPlainText -Force))
    New-XenIsoLibrary -Name 'ISO library' -Location '//192.0.2.30/isos' -Credential $isoUser | Out-Null
    Set-XenPool -DefaultRepository $nfs.Name
    Get-XenRepository -Shared | Show

    Show-Step 'Run the same storage commands again: the existing repositories are found, nothing is duplicated'
    New-XenNfsRepository -Name 'NFS-SR' -Server nas01 -Path /export/xen | Show

    Show-Step 'A Fedora and a Windows XP VM on the shared store, no home server, started on xennode02'
    Get-XenTemplate -Name 'Fedora*', 'Windows XP*' | Show
    Get-XenNetwork | Show
    New-XenVM -Name 'fedora' -Template 'Fedora Linux' -Repository 'NFS-SR' -MemoryGB 2 | Out-Null
    New-XenVM -Name 'winxp' -Template 'Windows XP SP3 (32-bit)' -Repository 'NFS-SR' -MemoryGB 1 | Out-Null
    Start-XenVM -Name 'fedora', 'winxp' -Host xennode02
    Get-XenVM | Show

    Show-Step 'Live migration refuses a VM without tools, with a clear error'
    Move-XenVM -Name 'winxp' -Destination xennode03 -ErrorAction SilentlyContinue -ErrorVariable refused
    if (-not $refused) { throw 'Moving a VM without tools should have been refused.' }
    Write-Host ("Refused as expected: {0}" -f $refused[0].ToString()) -ForegroundColor Yellow

    Show-Step 'Install the tools in Windows XP (in the simulator: mark the guest) and see "Optimized"'
    Invoke-XenApi VM.add_to_other_config (Get-XenVM winxp), 'xensim_tools', 'true' -Confirm:$false
    Wait-Until 'winxp reports its tools' { (Get-XenVM winxp).ToolsStatus -eq 'Optimized' }
    Get-XenVM | Show

    Show-Step 'Graceful test: maintenance mode on xennode02 moves both VMs away live'
    Suspend-XenHost xennode02 -Confirm:$false
    Get-XenHost | Show
    Get-XenVM | Show

    Show-Step 'Leave maintenance mode and move the VMs back (-Failback)'
    Resume-XenHost xennode02 -Failback -Confirm:$false
    Get-XenVM | Show

    Show-Step 'Automatic HA: protect both VMs, heartbeat on the NFS repository, tolerate one host failure'
    Get-XenVM 'fedora', 'winxp' | Protect-XenVM -Priority Restart -Order 1 -Confirm:$false
    Enable-XenHa -HeartbeatRepository 'NFS-SR' -HostFailuresToTolerate 1 -Confirm:$false | Out-Null
    Get-XenHa | Format-List | Out-Host
    Write-Host 'What if xennode02 fails?'
    Test-XenHaPlan -FailedHost xennode02 | Show

    Show-Step 'Ungraceful test with HA: pull the power on xennode02; HA restarts its VMs elsewhere'
    Stop-XenSimulatorHost -Simulator $sim -Name xennode02 -Confirm:$false
    Wait-Until 'both VMs run on a surviving host' {
        $vms = @(Get-XenVM 'fedora', 'winxp')
        @($vms | Where-Object { $_.PowerState -eq 'Running' -and $_.Host -and $_.Host -ne 'xennode02' }).Count -eq 2
    }
    Get-XenHost | Show
    Get-XenVM | Show

    Show-Step 'Power xennode02 back on, then switch HA off: the free edition of the article'
    Start-XenSimulatorHost -Simulator $sim -Name xennode02 -Confirm:$false
    Wait-Until 'xennode02 is back' { $h = Get-XenHost xennode02; $h.Live -and $h.Enabled }
    Disable-XenHa -Confirm:$false
    Move-XenVM -Name 'fedora', 'winxp' -Destination xennode03
    Get-XenVM | Show

    Show-Step 'Ungraceful test without HA: pull the power on xennode03; its VMs are stuck "Running" there'
    Stop-XenSimulatorHost -Simulator $sim -Name xennode03 -Confirm:$false
    Wait-Until 'the coordinator declares xennode03 not live' { -not (Get-XenHost xennode03).Live } -TimeoutSeconds 90
    Get-XenHost | Show
    Get-XenVM | Show

    Show-Step 'Guided recovery: fencing evidence checked, host declared dead, VMs restarted on survivors'
    Repair-XenPool -Confirm:$false | Show
    Wait-Until 'both VMs run on survivors with their tools reporting' {
        @(Get-XenVM 'fedora', 'winxp' | Where-Object { $_.PowerState -eq 'Running' -and $_.Host -ne 'xennode03' -and $_.ToolsStatus -eq 'Optimized' }).Count -eq 2
    }
    Get-XenVM | Show

    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    Write-Progress -Id 1 -Activity 'XenHa demo: the article end to end' -Completed
    if ($script:step -ne $script:stepCount) { throw "The demo ran $($script:step) steps but announces $($script:stepCount)." }
    Write-Host ''
    Write-Host ("Demo finished in {0:0.0} s." -f ([DateTime]::UtcNow - $started).TotalSeconds) -ForegroundColor Green
}
catch {
    Write-Host "Demo failed at step $($script:step): $($_.Exception.Message)" -ForegroundColor Red
    Write-Host $_.ScriptStackTrace
    exit 1
}
finally {
    if ($sim) { Stop-XenSimulator $sim }
}
exit 0
