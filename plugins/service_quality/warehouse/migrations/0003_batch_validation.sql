-- Deliveries are loaded in batches: one Great Expectations validation covers every delivery of a batch
-- that shares a file layout (one suite run and one Data Docs page per batch, not per file).
-- ops.validation_results.delivery_id stays for validations written before batches (one delivery each);
-- a batch validation leaves it null and lists its deliveries in ops.validation_deliveries.

alter table ops.validation_results alter column delivery_id drop not null;
alter table ops.validation_results add column deliveries integer not null default 1;

create table ops.validation_deliveries (
    validation_id   bigint not null references ops.validation_results (validation_id),
    delivery_id     bigint not null references ops.deliveries (delivery_id),
    rows_checked    bigint not null,
    rows_unexpected bigint not null,
    primary key (validation_id, delivery_id)
);
create index validation_deliveries_delivery on ops.validation_deliveries (delivery_id);

insert into ops.validation_deliveries (validation_id, delivery_id, rows_checked, rows_unexpected)
select validation_id, delivery_id, rows_checked, rows_unexpected
from ops.validation_results
where delivery_id is not null;

alter table ops.validation_results alter column deliveries drop default;
