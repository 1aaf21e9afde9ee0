# Helpers shared by the HA, recovery and article 8-10 suites; dot-sourced inside BeforeAll after Common.ps1.
. (Join-Path $PSScriptRoot 'PoolCommon.ps1')
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
    # The shared three-host NFS pool (PoolCommon.ps1) with HA's defaults: a fast clock, small hosts.
    param([double] $Speed = 1000, [int] $MemoryGB = 16, [string] $ApiVersion)
    Start-TestPool -Speed $Speed -MemoryGB $MemoryGB -ApiVersion $ApiVersion
}

function Stop-HaPool { Stop-TestPool }

function New-RunningVM {
    # Overrides PoolCommon's: HA suites start their VMs on xennode02 (a member) and never wait for tools.
    param([Parameter(Mandatory)] [string] $Name, [string] $On = 'xennode02', [string] $Repository = 'NFS VM storage', [double] $MemoryGB = 1)
    $vm = New-XenVM -Name $Name -Template 'Debian Bookworm 12' -MemoryGB $MemoryGB -Repository $Repository -Confirm:$false -ErrorAction Stop
    $vm | Should -Not -BeNullOrEmpty
    Start-XenVM -Name $Name -Host $On -Confirm:$false -ErrorAction Stop
    Get-XenVM $Name
}

function Get-PoolRecord { (Invoke-XenApi pool.get_all_records).Values | Select-Object -First 1 }

function Get-ErrorOf([scriptblock] $Command) {
    # The terminating error a command ends with (its non-terminating ones stay in $Error).
    try { & $Command; $null } catch { $_ }
}

function Get-VmRecord([string] $Name) { Get-RawVmRecord -Connection $script:connection | Where-Object name_label -eq $Name }
