<#
.SYNOPSIS
    Measures VM export and import throughput (MB/s of XVA file) against a plain copy of a file of the same size.
.DESCRIPTION
    Starts two simulators (the source with disks holding -ContentMB MiB of data each, and an empty
    target pool), exports a halted VM with Export-XenVM, imports the file into the target with
    Import-XenVM, and copies the same file with [System.IO.File]::Copy. Returns one object per
    figure with Name, Value, Unit, Baseline, BaselineValue, Ratio and Goal.
.EXAMPLE
    ./tests/Benchmarks/Measure-XvaThroughput.ps1 -ContentMB 512 | Format-Table
#>
[CmdletBinding()]
param(
    # The staged module to measure (default: the newest build under out/).
    [string] $ModulePath,
    # MiB of data on the exported disk, i.e. roughly the size of the XVA.
    [ValidateRange(8, 65536)]
    [int] $ContentMB = 256,
    # Runs per figure; the best (fastest) run counts.
    [ValidateRange(1, 10)]
    [int] $Repeat = 3
)

$ErrorActionPreference = 'Stop'
if (-not $ModulePath) {
    $ModulePath = Get-ChildItem (Join-Path $PSScriptRoot '../../out/XenHa/*/XenHa.psd1') | Select-Object -Last 1 -ExpandProperty FullName
}
Import-Module $ModulePath -Force

$work = Join-Path ([System.IO.Path]::GetTempPath()) ("xenha-bench-" + [guid]::NewGuid().ToString('n'))
New-Item -ItemType Directory $work | Out-Null
$source = $target = $null
try {
    $source = Start-XenSimulator -HostCount 1 -Preset pooled-with-vms -ArgumentList '--disk-content-mb', $ContentMB
    $target = Start-XenSimulator -HostCount 1
    $to = Connect-XenPool -Server $target.Url -Credential $target.Credential
    $from = Connect-XenPool -Server $source.Url -Credential $source.Credential
    $file = Join-Path $work 'vm.xva'

    function Measure-Best([scriptblock] $Action) {
        $best = [double]::MaxValue
        for ($i = 0; $i -lt $Repeat; $i++) {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            & $Action
            $best = [math]::Min($best, $clock.Elapsed.TotalSeconds)
        }
        $best
    }

    $exportSeconds = Measure-Best { Export-XenVM xennode01-vm2 -Path $file -Force -Connection $from -Confirm:$false | Out-Null }
    $mb = (Get-Item $file).Length / 1MB
    $importSeconds = Measure-Best {
        $vm = Import-XenVM $file -Repository 'Local storage' -Connection $to -Confirm:$false
        # Remove the copy again (VM, then its disks) so the repeats do not pile up data in the target.
        $vdis = foreach ($vbd in $vm.Record.VBDs) { Invoke-XenApi VBD.get_VDI -ArgumentList $vbd.OpaqueRef -Connection $to }
        Invoke-XenApi VM.destroy -ArgumentList $vm.OpaqueRef -Connection $to -Confirm:$false | Out-Null
        foreach ($vdi in $vdis) { if ($vdi -ne 'OpaqueRef:NULL') { Invoke-XenApi VDI.destroy -ArgumentList $vdi -Connection $to -Confirm:$false | Out-Null } }
    }
    $copy = Join-Path $work 'copy.xva'
    $copySeconds = Measure-Best {
        [System.IO.File]::Copy($file, $copy, $true)
    }
    $copyRate = $mb / $copySeconds
    $baseline = 'plain file copy of the same size ({0:0} MB)' -f $mb

    foreach ($figure in @(
            @{ Name = 'XVA export (Export-XenVM to file)'; Seconds = $exportSeconds }
            @{ Name = 'XVA import (Import-XenVM from file)'; Seconds = $importSeconds })) {
        $rate = $mb / $figure.Seconds
        [pscustomobject]@{
            Name          = $figure.Name
            Value         = [math]::Round($rate, 1)
            Unit          = 'MB/s'
            Baseline      = $baseline
            BaselineValue = [math]::Round($copyRate, 1)
            Ratio         = [math]::Round($rate / $copyRate, 3)
            Goal          = 'at least 100 MB/s over loopback; the copy is the ceiling'
        }
    }
}
finally {
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    foreach ($sim in $source, $target) { if ($sim) { Stop-XenSimulator $sim } }
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
