"""Supervised fine-tuning: experiments in params (`training`), SFT datasets (build_sft@EXPERIMENT) and TRL
training (train@EXPERIMENT), from a CPU laptop to `accelerate launch` on a multi-GPU node."""
