#!/bin/sh
# The configuration nouns: registrar configuration, PIN policy, UC phone
# configuration, device update configuration. Global by default, Lync's
# ranges, rules across properties checked against what is stored, time
# spans and byte sizes in their several spellings, list edits, site and
# per-user scopes, pipeline binding and -WhatIf.
. "$(dirname "$0")/test-lib.sh"
UCSH_POOL_FQDN=pool01.contoso.com
export UCSH_POOL_FQDN

test_expect_success 'a new store has Global settings of each kind' '
	$UCSH -o json -c "Get-CsRegistrarConfiguration; Get-CsUCPhoneConfiguration" >actual &&
	cat >expected <<-\EOF &&
	[
	  {
	    "Identity": "Global",
	    "MinEndpointExpiration": 300,
	    "MaxEndpointExpiration": 900,
	    "DefaultEndpointExpiration": 600,
	    "MaxEndpointsPerUser": 8,
	    "EnableDHCPServer": false
	  },
	  {
	    "Identity": "Global",
	    "EnforcePhoneLock": true,
	    "PhoneLockTimeout": 600,
	    "MinPhonePinLength": 6,
	    "SIPSecurityMode": "High",
	    "VoiceDiffServTag": 40,
	    "Voice8021p": 0,
	    "LoggingLevel": "Off",
	    "CalendarPollInterval": 180
	  }
	]
	EOF
	test_cmp expected actual &&
	$UCSH -c "(Get-CsPinPolicy).Identity; (Get-CsDeviceUpdateConfiguration).ValidLogFileTypes" >actual &&
	printf "Global\nWatson\nCELog\n" >expected && test_cmp expected actual
'

test_expect_success 'settings with many properties show as a list' '
	$UCSH -c "Get-CsPinPolicy" >actual &&
	test_grep "^Identity  *: Global$" actual &&
	test_grep "^MinPasswordLength  *: 5$" actual
'

test_expect_success 'Set-* changes the Global settings when no -Identity is given' '
	$UCSH -c "Set-CsRegistrarConfiguration -MaxEndpointsPerUser 4 -EnableDHCPServer \$true; Set-CsPinPolicy -MinPasswordLength 6; Set-CsUCPhoneConfiguration -VoiceDiffServTag 46 -SIPSecurityMode medium -LoggingLevel low; Set-CsDeviceUpdateConfiguration -MaxLogCacheLimit 256000" &&
	$UCSH -c "\$r = Get-CsRegistrarConfiguration Global; \$r.MaxEndpointsPerUser; \$r.EnableDHCPServer; (Get-CsPinPolicy Global).MinPasswordLength; \$u = Get-CsUCPhoneConfiguration; \$u.VoiceDiffServTag; \$u.SIPSecurityMode; \$u.LoggingLevel; (Get-CsDeviceUpdateConfiguration global).MaxLogCacheLimit" >actual &&
	printf "4\nTrue\n6\n46\nMedium\nLow\n256000\n" >expected && test_cmp expected actual
'

test_expect_success 'whole numbers outside Lync ranges are refused and change nothing' '
	test_expect_code 1 $UCSH -c "Set-CsRegistrarConfiguration -MaxEndpointsPerUser 65" 2>err &&
	test_grep "Set-CsRegistrarConfiguration : -MaxEndpointsPerUser 65 is out of range" err &&
	test_grep "give a whole number from 1 to 64" err &&
	test_expect_code 1 $UCSH -c "Set-CsRegistrarConfiguration -MinEndpointExpiration 299" 2>err &&
	test_grep "MinEndpointExpiration 299 is out of range" err &&
	test_expect_code 1 $UCSH -c "Set-CsPinPolicy -MinPasswordLength 3" 2>err &&
	test_grep "MinPasswordLength 3 is out of range" err &&
	test_expect_code 1 $UCSH -c "Set-CsPinPolicy -PINHistoryCount 21" 2>err &&
	test_grep "PINHistoryCount 21 is out of range" err &&
	test_expect_code 1 $UCSH -c "Set-CsPinPolicy -PINLifetime 1000" 2>err &&
	test_grep "PINLifetime 1000 is out of range" err &&
	test_expect_code 1 $UCSH -c "Set-CsUCPhoneConfiguration -MinPhonePinLength 16" 2>err &&
	test_grep "MinPhonePinLength 16 is out of range" err &&
	test_expect_code 1 $UCSH -c "Set-CsUCPhoneConfiguration -VoiceDiffServTag 64" 2>err &&
	test_grep "VoiceDiffServTag 64 is out of range" err &&
	test_expect_code 1 $UCSH -c "Set-CsUCPhoneConfiguration -Voice8021p 8" 2>err &&
	test_grep "give a whole number from 0 to 7" err &&
	test_expect_code 1 $UCSH -c "Set-CsDeviceUpdateConfiguration -MaxLogFileSize 0" 2>err &&
	test_grep "MaxLogFileSize 0 is out of range" err &&
	test_expect_code 1 $UCSH -c "Set-CsDeviceUpdateConfiguration -MaxLogCacheLimit 4gb" 2>err &&
	test_grep "MaxLogCacheLimit 4294967296 is out of range" err &&
	$UCSH -c "(Get-CsRegistrarConfiguration).MaxEndpointsPerUser; (Get-CsUCPhoneConfiguration).VoiceDiffServTag" >actual &&
	printf "4\n46\n" >expected && test_cmp expected actual
'

test_expect_success 'a value of the wrong type is refused by the binder' '
	test_expect_code 1 $UCSH -c "Set-CsRegistrarConfiguration -EnableDHCPServer maybe" 2>err &&
	test_grep "cannot convert .maybe. to Boolean" err &&
	test_expect_code 1 $UCSH -c "Set-CsPinPolicy -MinPasswordLength six" 2>err &&
	test_grep "cannot convert .six. to a whole number for parameter -MinPasswordLength" err
'

test_expect_success 'enumerated values: Lync names, any case' '
	test_expect_code 1 $UCSH -c "Set-CsUCPhoneConfiguration -LoggingLevel Verbose" 2>err &&
	test_grep "use one of: Off, Low, Medium, High" err &&
	test_expect_code 1 $UCSH -c "Set-CsUCPhoneConfiguration -SIPSecurityMode None" 2>err &&
	test_grep "use one of: Low, Medium, High" err &&
	$UCSH -c "(Set-CsUCPhoneConfiguration -SIPSecurityMode HIGH -PassThru).SIPSecurityMode" >actual &&
	echo High >expected && test_cmp expected actual
'

test_expect_success 'MaximumLogonAttempts takes 1..999 or $null' '
	$UCSH -o json -c "(Set-CsPinPolicy -MaximumLogonAttempts 999 -PassThru).MaximumLogonAttempts" >actual &&
	echo 999 >expected && test_cmp expected actual &&
	$UCSH -c "\$null -eq (Set-CsPinPolicy -MaximumLogonAttempts \$null -PassThru).MaximumLogonAttempts" >actual &&
	echo True >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Set-CsPinPolicy -MaximumLogonAttempts 0" 2>err &&
	test_grep "give a whole number from 1 to 999, or \\\$null" err &&
	test_expect_code 1 $UCSH -c "Set-CsPinPolicy -MinPasswordLength \$null" 2>err &&
	test_grep "MinPasswordLength \\\$null is out of range" err
'

test_expect_success 'time spans: hh:mm:ss, d.hh:mm:ss, 10m, 14d and seconds' '
	$UCSH -c "Set-CsUCPhoneConfiguration -PhoneLockTimeout 00:30:00 -CalendarPollInterval 5m; \$u = Get-CsUCPhoneConfiguration; \$u.PhoneLockTimeout; \$u.CalendarPollInterval; Set-CsUCPhoneConfiguration -PhoneLockTimeout 900; (Get-CsUCPhoneConfiguration).PhoneLockTimeout; Set-CsDeviceUpdateConfiguration -LogCleanUpInterval 14.00:00:00 -LogFlushInterval 00:02:00; \$d = Get-CsDeviceUpdateConfiguration; \$d.LogCleanUpInterval; \$d.LogFlushInterval; (Set-CsDeviceUpdateConfiguration -LogCleanUpInterval 30d -PassThru).LogCleanUpInterval" >actual &&
	printf "1800\n300\n900\n1209600\n120\n2592000\n" >expected && test_cmp expected actual
'

test_expect_success 'time spans outside their range are refused, shown as time spans' '
	test_expect_code 1 $UCSH -c "Set-CsUCPhoneConfiguration -PhoneLockTimeout 1h" 2>err &&
	test_grep "PhoneLockTimeout 01:00:00 is out of range" err &&
	test_grep "give a time span from 00:00:01 to 00:59:59" err &&
	test_expect_code 1 $UCSH -c "Set-CsUCPhoneConfiguration -CalendarPollInterval 2h" 2>err &&
	test_grep "CalendarPollInterval 02:00:00 is out of range" err &&
	test_expect_code 1 $UCSH -c "Set-CsDeviceUpdateConfiguration -LogCleanUpInterval 366d" 2>err &&
	test_grep "LogCleanUpInterval 366.00:00:00 is out of range" err &&
	test_grep "from 1.00:00:00 to 365.00:00:00" err &&
	test_expect_code 1 $UCSH -c "Set-CsDeviceUpdateConfiguration -LogFlushInterval 30s" 2>err &&
	test_grep "LogFlushInterval 00:00:30 is out of range" err &&
	test_expect_code 1 $UCSH -c "Set-CsUCPhoneConfiguration -PhoneLockTimeout soon" 2>err &&
	test_grep "cannot convert .soon. to a time span" err
'

test_expect_success 'byte sizes take 1mb and plain numbers' '
	$UCSH -c "(Set-CsDeviceUpdateConfiguration -MaxLogFileSize 2mb -PassThru).MaxLogFileSize; (Set-CsDeviceUpdateConfiguration -MaxLogFileSize 2048000 -PassThru).MaxLogFileSize" >actual &&
	printf "2097152\n2048000\n" >expected && test_cmp expected actual
'

test_expect_success 'registrar: Min > Default is refused, naming the stored value' '
	test_expect_code 1 $UCSH -c "Set-CsRegistrarConfiguration -MinEndpointExpiration 700" 2>err &&
	test_grep "MinEndpointExpiration 700 is above the stored DefaultEndpointExpiration 600" err &&
	test_grep "MinEndpointExpiration <= DefaultEndpointExpiration <= MaxEndpointExpiration" err
'

test_expect_success 'registrar: Default > Max is refused when both are given' '
	test_expect_code 1 $UCSH -c "Set-CsRegistrarConfiguration -DefaultEndpointExpiration 800 -MaxEndpointExpiration 700" 2>err &&
	test_grep "DefaultEndpointExpiration 800 is above -MaxEndpointExpiration 700" err &&
	$UCSH -c "\$r = Get-CsRegistrarConfiguration; \$r.DefaultEndpointExpiration; \$r.MaxEndpointExpiration" >actual &&
	printf "600\n900\n" >expected && test_cmp expected actual
'

test_expect_success 'registrar: changes that keep the order together are accepted' '
	$UCSH -o json -c "Set-CsRegistrarConfiguration -MinEndpointExpiration 700 -DefaultEndpointExpiration 800 -PassThru | Select-Object MinEndpointExpiration, DefaultEndpointExpiration, MaxEndpointExpiration" >actual &&
	cat >expected <<-\EOF &&
	{
	  "MinEndpointExpiration": 700,
	  "DefaultEndpointExpiration": 800,
	  "MaxEndpointExpiration": 900
	}
	EOF
	test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Set-CsRegistrarConfiguration -MaxEndpointExpiration 750" 2>err &&
	test_grep "the stored DefaultEndpointExpiration 800 is above -MaxEndpointExpiration 750" err
'

test_expect_success 'PIN policy: PINs that expire need a history' '
	test_expect_code 1 $UCSH -c "Set-CsPinPolicy -PINHistoryCount 0 -PINLifetime 30" 2>err &&
	test_grep "PINLifetime 30 needs a PIN history: -PINHistoryCount 0 keeps none" err &&
	$UCSH -c "\$p = Set-CsPinPolicy -PINLifetime 30 -PassThru; \$p.PINLifetime; \$p.PINHistoryCount" >actual &&
	printf "30\n5\n" >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Set-CsPinPolicy -PINHistoryCount 0" 2>err &&
	test_grep "the stored PINLifetime 30 needs a PIN history" err
'

test_expect_success 'log file lists: a list replaces, @{Add/Remove} edits' '
	$UCSH -o json -c "(Set-CsDeviceUpdateConfiguration -ValidLogFileTypes @{Remove=\"CELog\"; Add=\"Trace\",\"watson\"} -PassThru).ValidLogFileTypes" >actual &&
	cat >expected <<-\EOF &&
	[
	  "Watson",
	  "Trace"
	]
	EOF
	test_cmp expected actual &&
	$UCSH -c "(Set-CsDeviceUpdateConfiguration -ValidLogFileExtensions .CLG,dmp,.clg -PassThru).ValidLogFileExtensions; (Set-CsDeviceUpdateConfiguration -ValidLogFileExtensions @{Add=\"LOG\"; Remove=\".dmp\"} -PassThru).ValidLogFileExtensions" >actual &&
	printf ".clg\n.dmp\n.clg\n.log\n" >expected && test_cmp expected actual
'

test_expect_success 'log file lists: bad names and bad edits are refused' '
	test_expect_code 1 $UCSH -c "Set-CsDeviceUpdateConfiguration -ValidLogFileExtensions a.b" 2>err &&
	test_grep "ValidLogFileExtensions: .a.b. is not a file extension" err &&
	test_expect_code 1 $UCSH -c "Set-CsDeviceUpdateConfiguration -ValidLogFileTypes \"Crash Dump\"" 2>err &&
	test_grep "ValidLogFileTypes: .Crash Dump. is not a log file type" err &&
	test_expect_code 1 $UCSH -c "Set-CsDeviceUpdateConfiguration -ValidLogFileTypes @{Delete=\"Trace\"}" 2>err &&
	test_grep "ValidLogFileTypes: .Delete. is not a list edit" err &&
	$UCSH -c "(Get-CsDeviceUpdateConfiguration).ValidLogFileTypes" >actual &&
	printf "Watson\nTrace\n" >expected && test_cmp expected actual
'

test_expect_success 'New-* makes site settings starting from the Global ones' '
	$UCSH -c "New-CsSite Redmond | Out-Null" &&
	$UCSH -o json -c "New-CsPinPolicy -Identity SITE:redmond -MinPasswordLength 8 | Select-Object Identity, MinPasswordLength, PINHistoryCount, PINLifetime" >actual &&
	cat >expected <<-\EOF &&
	{
	  "Identity": "site:Redmond",
	  "MinPasswordLength": 8,
	  "PINHistoryCount": 5,
	  "PINLifetime": 30
	}
	EOF
	test_cmp expected actual &&
	$UCSH -c "(New-CsDeviceUpdateConfiguration site:Redmond -ValidLogFileTypes @{Add=\"CELog\"}).ValidLogFileTypes" >actual &&
	printf "Watson\nTrace\nCELog\n" >expected && test_cmp expected actual
'

test_expect_success 'New-* checks the new values, including rules across properties' '
	test_expect_code 1 $UCSH -c "New-CsRegistrarConfiguration site:Redmond -DefaultEndpointExpiration 650" 2>err &&
	test_grep "the stored MinEndpointExpiration 700 is above -DefaultEndpointExpiration 650" err &&
	test_expect_code 1 $UCSH -c "New-CsUCPhoneConfiguration site:Redmond -Voice8021p 9" 2>err &&
	test_grep "Voice8021p 9 is out of range" err &&
	test_expect_code 1 $UCSH -c "Get-CsUCPhoneConfiguration site:Redmond" 2>err &&
	test_grep "no UC phone configuration .site:Redmond. was found" err
'

test_expect_success 'New-* needs an existing site, refuses Global and a second one' '
	test_expect_code 1 $UCSH -c "New-CsUCPhoneConfiguration site:Nowhere" 2>err &&
	test_grep "Identity site:Nowhere: there is no site .Site:Nowhere." err &&
	test_expect_code 1 $UCSH -c "New-CsUCPhoneConfiguration Global" 2>err &&
	test_grep "the Global UC phone configuration always exists" err &&
	test_grep "Set-CsUCPhoneConfiguration -Identity Global" err &&
	test_expect_code 1 $UCSH -c "New-CsPinPolicy site:Redmond" 2>err &&
	test_grep "already exists" err
'

test_expect_success 'scopes: per-user PIN policies only; no service scopes' '
	$UCSH -c "(New-CsPinPolicy -Identity Lobby -AllowCommonPatterns \$true -Description \"lobby phones\").Identity; (Get-CsPinPolicy tag:lobby).Description" >actual &&
	printf "Tag:Lobby\nlobby phones\n" >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "New-CsRegistrarConfiguration Lobby" 2>err &&
	test_grep "Lobby. is not a scope of registrar configuration" err &&
	test_grep "give Global or site:NAME" err &&
	test_expect_code 1 $UCSH -c "Set-CsRegistrarConfiguration -Identity service:Registrar:pool01.contoso.com -MaxEndpointsPerUser 2" 2>err &&
	test_grep "ucsh keeps registrar configuration at Global and site scope, not per service" err
'

test_expect_success 'identities and enumerated values complete' '
	$UCSH --complete -- "Set-CsPinPolicy -Identity " >actual &&
	printf "Global\nsite:Redmond\nTag:Lobby\n" >expected && test_cmp expected actual &&
	$UCSH --complete -- "Set-CsUCPhoneConfiguration -SIPSecurityMode M" >actual &&
	echo Medium >expected && test_cmp expected actual
'

test_expect_success 'Get-*: -Identity wildcards and Lync -Filter wildcards' '
	$UCSH -c "Get-CsPinPolicy -Filter \"site:*\" | Select-Object -ExpandProperty Identity; Get-CsPinPolicy * | Select-Object -ExpandProperty Identity; Get-CsDeviceUpdateConfiguration -Filter { \$_.Identity -ne \"Global\" } | Select-Object -ExpandProperty Identity" >actual &&
	printf "site:Redmond\nGlobal\nsite:Redmond\nTag:Lobby\nsite:Redmond\n" >expected && test_cmp expected actual
'

test_expect_success 'Get-* of a missing scope is an error naming it' '
	test_expect_code 1 $UCSH -c "Get-CsRegistrarConfiguration site:Oslo" 2>err &&
	test_grep "no registrar configuration .site:Oslo. was found" err &&
	test_expect_code 1 $UCSH -c "Set-CsRegistrarConfiguration site:Oslo -MaxEndpointsPerUser 2" 2>err &&
	test_grep "no registrar configuration .site:Oslo. was found" err
'

test_expect_success 'Get-* | Set-* binds each collection by its properties' '
	$UCSH -c "Get-CsPinPolicy | Set-CsPinPolicy -MinPasswordLength 7; Get-CsPinPolicy | ForEach-Object { \$_.Identity + \" \" + \$_.MinPasswordLength + \" \" + \$_.AllowCommonPatterns }" >actual &&
	cat >expected <<-\EOF &&
	Global 7 False
	site:Redmond 7 False
	Tag:Lobby 7 True
	EOF
	test_cmp expected actual
'

test_expect_success 'Set-* with nothing to change is an error' '
	test_expect_code 1 $UCSH -c "Set-CsUCPhoneConfiguration" 2>err &&
	test_grep "Set-CsUCPhoneConfiguration was given nothing to change" err
'

test_expect_success '-WhatIf says what it would do and changes nothing' '
	$UCSH -c "Set-CsPinPolicy -MinPasswordLength 9 -WhatIf; New-CsRegistrarConfiguration site:Redmond -WhatIf; Remove-CsPinPolicy site:Redmond -WhatIf" >out &&
	test_grep "What if: Performing the operation \"Set PIN policy\" on target \"Global\"" out &&
	test_grep "What if: Performing the operation \"New registrar configuration\" on target \"site:Redmond\"" out &&
	test_grep "What if: Performing the operation \"Remove PIN policy\" on target \"site:Redmond\"" out &&
	$UCSH -c "(Get-CsPinPolicy Global).MinPasswordLength; (Get-CsPinPolicy site:Redmond).Identity; Get-CsRegistrarConfiguration | Measure-Object | Select-Object -ExpandProperty Count" >actual &&
	printf "7\nsite:Redmond\n1\n" >expected && test_cmp expected actual
'

test_expect_success 'Remove-* removes site and per-user settings, never Global' '
	test_expect_code 1 $UCSH -c "Remove-CsPinPolicy Global -Force" 2>err &&
	test_grep "the Global PIN policy cannot be removed" err &&
	$UCSH -c "Remove-CsPinPolicy site:Redmond -Force; Remove-CsPinPolicy Lobby -Force; Remove-CsDeviceUpdateConfiguration site:Redmond -Force; Get-CsPinPolicy | Select-Object -ExpandProperty Identity; Get-CsDeviceUpdateConfiguration | Select-Object -ExpandProperty Identity" >actual &&
	printf "Global\nGlobal\n" >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Remove-CsUCPhoneConfiguration site:Redmond -Force" 2>err &&
	test_grep "no UC phone configuration .site:Redmond. was found" err &&
	$UCSH -c "New-CsRegistrarConfiguration site:Redmond -MaxEndpointsPerUser 2 | Out-Null; Remove-CsRegistrarConfiguration site:Redmond -Force; Get-CsRegistrarConfiguration | Select-Object -ExpandProperty Identity" >actual &&
	echo Global >expected && test_cmp expected actual &&
	test_expect_code 1 $UCSH -c "Remove-CsRegistrarConfiguration Global -Force" 2>err &&
	test_grep "Global" err
'

test_done
