<#
.SYNOPSIS
    The XenHa demo: a simulated three-host farm, seen from PowerShell.
.DESCRIPTION
    Starts the bundled simulator, connects the way an admin would (to a member, redirected to the
    coordinator), and shows the pool, its hosts and its VMs. Exits non-zero if any step fails.
    The demo grows with the module into the whole article story.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath
)
$ErrorActionPreference = 'Stop'
if ([Console]::IsOutputRedirected -and $PSVersionTable.PSVersion.Major -ge 7) { $PSStyle.OutputRendering = 'PlainText' }
Import-Module $ModulePath -Force

function Show-Step([string] $Text) {
    Write-Host ''
    Write-Host "== $Text" -ForegroundColor Cyan
}

$sim = $null
try {
    Show-Step 'Start a simulated farm: three hosts (xennode01..03) already pooled, with VMs'
    $sim = Start-XenSimulator -HostCount 3 -Preset pooled-with-vms
    $sim | Format-Table | Out-Host

    Show-Step "Connect to a pool member ($($sim.HostUrls[1])); XenHa follows the redirect to the coordinator"
    $connection = Connect-XenPool -Server $sim.HostUrls[1] -Credential $sim.Credential
    $connection | Format-Table | Out-Host

    Show-Step 'The pool'
    Get-XenPool | Format-Table | Out-Host

    Show-Step 'Its hosts'
    Get-XenHost | Format-Table | Out-Host

    Show-Step 'Its VMs (templates and control domains left out)'
    Get-XenVM | Sort-Object Host, Name | Format-Table | Out-Host

    Show-Step 'The VMs running on xennode01, through the pipeline'
    Get-XenHost xennode01 | Get-XenVM | Format-Table | Out-Host

    Show-Step 'Anything else through the raw API: the coordinator''s software version'
    $pool = Get-XenPool
    $version = Invoke-XenApi host.get_software_version $pool.Record.Master.OpaqueRef
    "{0} {1} (API {2})" -f $version['product_brand'], $version['product_version'], $connection.ApiVersion | Out-Host

    Disconnect-XenPool $connection
    Write-Host ''
    Write-Host 'Demo finished.' -ForegroundColor Green
}
catch {
    Write-Host "Demo failed: $($_.Exception.Message)" -ForegroundColor Red
    exit 1
}
finally {
    if ($sim) { Stop-XenSimulator $sim }
}
exit 0
