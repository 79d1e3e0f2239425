insert into raw.intake_issues (file_id, row_no, column_name, value, severity, reason_en, reason_lv)
values (%s, %s, %s, %s, %s, %s, %s)
