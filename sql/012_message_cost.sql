-- What each stored exchange cost, in USD, priced when it was written (Pricing:Models in configuration): a later
-- change of prices leaves old messages' cost as it was. Null for messages stored before costs were recorded.
alter table chat_messages add column if not exists cost_usd numeric(20, 10);
