-- thrume_retry(): fails the statement that calls it with SQLSTATE 40001 (serialization_failure),
-- whose answer is to run it again. The message batch insert is one statement, committed on its
-- own (no BEGIN / COMMIT round trips); when it finds that a concurrent transaction stored one of
-- its clientMessageIds or attached one of its files first, it calls this so that nothing it did
-- stays (no seq is used), and the store runs it again (store/MessageBatcher.java).
CREATE FUNCTION thrume_retry() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION 'a concurrent transaction took a clientMessageId or a file of this batch'
    USING ERRCODE = 'serialization_failure';
END
$$;
