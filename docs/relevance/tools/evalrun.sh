#!/bin/bash
# usage: evalrun.sh TAG  (run from /work/main)
set -e
T=/tmp/exp/$1; mkdir -p $T
export OMP_NUM_THREADS=2 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false DEBUG=1
P=.venv/bin/python
$P manage.py search_make_pairs --seed 42 --out $T/pairs > $T/pairs.log 2>&1
/usr/bin/time -v $P manage.py search_finetune --pairs $T/pairs --no-refit --no-activate --threads 2 --out $T/model > $T/ft.log 2> $T/ft.err
for m in base tuned; do
  if [ $m = base ]; then M="--model base"; else M="--model $T/model"; fi
  $P manage.py search_evaluate $M --dev $T/pairs --natural tests/data/natural_questions_holdout.jsonl --natural tests/data/natural_questions.jsonl --json $T/$m.json > $T/$m.txt 2>&1
done
echo done $1
