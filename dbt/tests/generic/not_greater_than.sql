{#- The column never exceeds another column of the same row (e.g. referrals never exceed
    contacts_and_referrals). -#}
{% test not_greater_than(model, column_name, other_column) %}
select *
from {{ model }}
where {{ column_name }} > {{ other_column }}
{% endtest %}
