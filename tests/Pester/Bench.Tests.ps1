# Smoke test of build.ps1 -Task Bench's plumbing: a real (quick) measurement script runs and the rows
# become a table. Nothing here looks at the figures: goals are for the benchmarks, never for tests.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $benchmarks = Join-Path $PSScriptRoot '../Benchmarks'
    . (Join-Path $benchmarks 'BenchReport.ps1')
    $moduleFile = Join-Path (Get-Module XenHa).ModuleBase 'XenHa.psd1'
}

Describe 'Bench scripts' -Tag 'Unit' {
    # The bench runs on PowerShell 7 (build.ps1's pwsh); its scripts use .NET 6+ APIs.
    It 'Measure-ImportModule -Quick emits a row that a report turns into a table' -Skip:($PSVersionTable.PSEdition -eq 'Desktop') {
        $rows = @(& (Join-Path $benchmarks 'Measure-ImportModule.ps1') -ModulePath $moduleFile -Quick |
                ForEach-Object { ConvertTo-BenchRow $_ 'Measure-ImportModule.ps1' })
        $rows | Should -HaveCount 1
        $rows[0].Name | Should -BeLike '*Import-Module XenHa*'
        $rows[0].Unit | Should -Be 'ms'
        $rows[0].Value | Should -BeGreaterThan 0
        $rows[0].BaselineValue | Should -BeGreaterThan 0
        $rows[0].Ratio | Should -Be ($rows[0].Value / $rows[0].BaselineValue)
        $rows[0].GoalMet | Should -BeOfType [bool]

        $report = Join-Path $TestDrive 'performance.md'
        Write-BenchReport -Path $report -Rows $rows -Commands 'tests/Benchmarks/Measure-ImportModule.ps1 -Quick' -Root (Join-Path $PSScriptRoot '../..') -Version '0.0.0' -Quick
        $text = Get-Content -Raw $report
        $text | Should -Match '\| Measurement \| Value \| Unit \| Baseline \| Baseline value \| Ratio \| Goal \| Met \|'
        $text | Should -Match '\| pwsh start \+ Import-Module XenHa'
        $text | Should -Match 'Goals met: [01] of 1\.'
        $text | Should -Match '## Machine'
    }

    It 'rejects an object without the contract fields and fills the ratio of one without it' {
        { ConvertTo-BenchRow ([pscustomobject]@{ Value = 1; Unit = 'ms' }) 'Measure-Bad.ps1' } | Should -Throw '*without ''Name''*'
        $row = ConvertTo-BenchRow ([pscustomobject]@{ Name = 'x'; Value = 3; Unit = 's'; Baseline = 'y'; BaselineValue = 6 }) 'Measure-X.ps1'
        $row.Ratio | Should -Be 0.5
        $row.GoalMet | Should -BeNullOrEmpty
        $row.Source | Should -Be 'Measure-X.ps1'
    }
}
