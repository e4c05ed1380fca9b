from manimlib.imports import *
from old_projects.counting_helpers import get_coin, get_pascal_row


class PascalTriangle(Scene):
    CONFIG = {
        "n_rows": 7,
        "row_buff": 0.6,
        "colors": [BLUE, YELLOW],
    }

    def construct(self):
        rows = VGroup()
        # Build the triangle row by row, each entry from the two above it
        for n in range(self.n_rows):
            row = VGroup(*[
                TexMobject(str(choose(n, k)))
                for k in range(n + 1)
            ])
            row.arrange_submobjects(RIGHT, buff=0.7)
            rows.add(row)
        rows.arrange_submobjects(DOWN, buff=self.row_buff)
        rows.to_edge(UP)

        self.play(LaggedStart(*[FadeIn(row) for row in rows], lag_ratio=0.3))
        self.wait()

        # Highlight row 4
        row = rows[4]
        brace = Brace(row, DOWN)
        brace_text = brace.get_text("$2^4 = 16$ outcomes")

        self.play(
            row.set_color, YELLOW,
            GrowFromCenter(brace),
            Write(brace_text),
        )
        self.wait()


class CoinFlips(Scene):
    CONFIG = {
        "n_coins": 4,
        "random_seed": 4,
    }

    def setup(self):
        # HACK: the coin svg loads upside down on some machines
        self.coin_template = get_coin("H").rotate(PI)

    def construct(self):
        self.flip_coins()
        self.count_heads()

    def flip_coins(self):
        coins = VGroup(*[self.coin_template.copy() for x in range(self.n_coins)])
        coins.arrange_submobjects(RIGHT, buff=MED_SMALL_BUFF)
        coins.to_edge(UP)

        self.play(LaggedStart(FadeIn, coins))

        # Flip each coin: squash it horizontally, swap the face, stretch back
        for coin in coins:
            face = random.choice("HT")
            new_coin = get_coin(face).move_to(coin)
            self.play(coin.stretch, 0, 0, run_time=0.15)
            coin.become(new_coin.stretch(0, 0))
            self.play(coin.stretch, 1, 0, run_time=0.15)
        self.coins = coins

    def count_heads(self):
        heads = VGroup(*[c for c in self.coins if c.face == "H"])
        # ???
        count = TextMobject(str(len(heads)), " heads")
        count.next_to(self.coins, DOWN, LARGE_BUFF)

        self.play(
            LaggedStart(Indicate, heads),
            Write(count),
        )
        self.wait()


class BinomialFormula(Scene):
    def construct(self):
        # I spent way too long getting these colors to line up
        formula = TexMobject(
            "P(k) = ", "{n \\choose k}", "p^k", "(1-p)^{n-k}"
        )
        formula.set_color_by_tex_to_color_map({
            "choose": BLUE,
            "p^k": GREEN,
            "(1-p)": RED,
        })
        self.play(Write(formula))
        self.wait()

        # -------------------------------------------
        # Explain each factor
        # -------------------------------------------
        labels = ["ways to choose", "k heads", "n-k tails"]
        braces = VGroup()
        texts = VGroup()
        for part, label in zip(formula[1:], labels):
            brace = Brace(part, DOWN)
            text = brace.get_text(label)
            text.scale(0.7)
            braces.add(brace)
            texts.add(text)

        for brace, text in zip(braces, texts):
            self.play(GrowFromCenter(brace), FadeIn(text))
            self.wait()
