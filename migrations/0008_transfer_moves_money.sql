-- A transfer row moves its money. Inserting it debits the sender and credits the recipient inside
-- the same statement, so executing a transfer is one statement: its own transaction, with no
-- BEGIN and COMMIT around it, and no way to record a transfer without moving the money or to move
-- money without the record. The INSERT decides whether it may happen (the request id is new, the
-- sender can pay, both accounts exist); the CHECK on accounts stays the last line of defence.
CREATE TRIGGER transfers_move_money AFTER INSERT ON transfers
BEGIN
    UPDATE accounts
    SET balance_cents = balance_cents + CASE user_id WHEN NEW.from_user THEN -NEW.amount_cents ELSE NEW.amount_cents END
    WHERE user_id IN (NEW.from_user, NEW.to_user);
END;
