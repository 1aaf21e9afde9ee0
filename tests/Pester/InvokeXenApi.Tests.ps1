BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $sim = Start-XenSimulator -HostCount 2 -Preset pooled-with-vms
    $connection = Connect-XenPool -Server $sim.Url -Credential $sim.Credential
}

AfterAll {
    Get-XenConnection | Disconnect-XenPool -Confirm:$false
    if ($sim) { Stop-XenSimulator $sim }
}

Describe 'Invoke-XenApi' {
    It 'calls a read method with the session added' {
        $pools = @(Invoke-XenApi pool.get_all)
        $pools | Should -HaveCount 1
        $pools[0] | Should -Match '^OpaqueRef:'
    }

    It 'passes XenHa objects as their references' {
        $vm = (Get-XenVM)[0]
        $record = Invoke-XenApi VM.get_record $vm
        $record.uuid | Should -Be $vm.Uuid
        $record.name_label | Should -Be $vm.Name
    }

    It 'takes the first argument from the pipeline' {
        $vm = (Get-XenVM)[0]
        $vm | Invoke-XenApi VM.get_uuid | Should -Be $vm.Uuid
        $vm | Invoke-XenApi VM.get_name_label | Should -Be $vm.Name
    }

    It 'calls a method without a session with -NoSession' {
        $methods = Invoke-XenApi system.listMethods -NoSession
        $methods | Should -Contain 'VM.get_all_records'
        $methods | Should -Contain 'session.login_with_password'
    }

    It 'changes state and the cmdlets see it' {
        $vm = (Get-XenVM)[0]
        $newName = 'renamed-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        Invoke-XenApi VM.set_name_label $vm, $newName -Confirm:$false
        (Get-XenVM -Uuid $vm.Uuid).Name | Should -Be $newName
    }

    It 'changes nothing with -WhatIf' {
        $vm = (Get-XenVM)[0]
        Invoke-XenApi VM.set_name_label $vm, 'should-not-happen' -WhatIf
        (Get-XenVM -Uuid $vm.Uuid).Name | Should -Be $vm.Name
    }

    It 'passes hashtables as structs' {
        $vm = (Get-XenVM)[0]
        $key = 'xenha-test-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        Invoke-XenApi VM.add_to_other_config $vm, $key, 'yes' -Confirm:$false
        (Invoke-XenApi VM.get_other_config $vm)[$key] | Should -Be 'yes'
        $where = Invoke-XenApi VM.get_all_records_where ('field "uuid"="{0}"' -f $vm.Uuid)
        @($where.Keys) | Should -HaveCount 1
    }

    It 'reports HANDLE_INVALID for an unknown reference' {
        { Invoke-XenApi VM.get_record 'OpaqueRef:00000000-0000-0000-0000-000000000000' -ErrorAction Stop } |
            Should -Throw -ErrorId 'HANDLE_INVALID,XenHa.Commands.InvokeXenApiCommand'
    }

    It 'reports MESSAGE_METHOD_UNKNOWN for an unknown method' {
        { Invoke-XenApi VM.no_such_message -ErrorAction Stop } |
            Should -Throw -ErrorId 'MESSAGE_METHOD_UNKNOWN,XenHa.Commands.InvokeXenApiCommand'
    }

    It 'reports MESSAGE_PARAMETER_COUNT_MISMATCH with the counts' {
        $err = $null
        Invoke-XenApi VM.get_record -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -Be 'MESSAGE_PARAMETER_COUNT_MISMATCH,XenHa.Commands.InvokeXenApiCommand'
        $err[0].Exception.Parameters | Should -Be @('VM.get_record', '1', '0')
    }

    It 'rejects a malformed method name before calling' {
        { Invoke-XenApi 'not a method' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,XenHa.Commands.InvokeXenApiCommand'
    }
}
