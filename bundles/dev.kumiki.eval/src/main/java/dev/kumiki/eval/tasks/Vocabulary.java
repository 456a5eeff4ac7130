package dev.kumiki.eval.tasks;

import java.util.List;
import java.util.Random;

/** The parallel English/Japanese words the generated tasks are made of. Order matters: it fixes the data. */
final class Vocabulary {

    private Vocabulary() {
    }

    /** A person, by romanised and Japanese name. */
    record Person(String en, String ja) {
    }

    /** A countable thing: English plural, Japanese noun, and the Japanese counter that agrees with it. */
    record Thing(String en, String ja, String counter) {
    }

    /** Something bought singly: English singular and plural, Japanese noun, its counter. */
    record Item(String en, String enPlural, String ja, String counter) {
    }

    /** A place: English phrase (with article), Japanese phrase. */
    record Place(String en, String ja) {
    }

    /** A day: English, Japanese. */
    record Day(String en, String ja) {
    }

    static final List<Person> PEOPLE = List.of(
            new Person("Taro", "太郎"), new Person("Hanako", "花子"), new Person("Kenta", "健太"),
            new Person("Sakura", "さくら"), new Person("Shota", "翔太"), new Person("Misaki", "美咲"),
            new Person("Daisuke", "大輔"), new Person("Yumi", "由美"), new Person("Takuya", "拓也"),
            new Person("Ai", "愛"), new Person("Hina", "陽菜"), new Person("Ren", "蓮"));

    /** Four things per counter (個, 本, 枚, 冊), in that order. */
    static final List<Thing> THINGS = List.of(
            new Thing("apples", "りんご", "個"), new Thing("oranges", "みかん", "個"),
            new Thing("candies", "あめ", "個"), new Thing("balls", "ボール", "個"),
            new Thing("pencils", "鉛筆", "本"), new Thing("pens", "ペン", "本"),
            new Thing("bananas", "バナナ", "本"), new Thing("umbrellas", "傘", "本"),
            new Thing("stamps", "切手", "枚"), new Thing("stickers", "シール", "枚"),
            new Thing("cookies", "クッキー", "枚"), new Thing("postcards", "はがき", "枚"),
            new Thing("books", "本", "冊"), new Thing("notebooks", "ノート", "冊"),
            new Thing("picture books", "絵本", "冊"), new Thing("dictionaries", "辞書", "冊"));

    static final List<Item> ITEMS = List.of(
            new Item("notebook", "notebooks", "ノート", "冊"), new Item("pen", "pens", "ペン", "本"),
            new Item("eraser", "erasers", "消しゴム", "個"), new Item("ruler", "rulers", "定規", "本"),
            new Item("bottle of juice", "bottles of juice", "ジュース", "本"),
            new Item("bread roll", "bread rolls", "パン", "個"));

    static final List<Place> PLACES = List.of(
            new Place("the supermarket by the station", "駅前のスーパー"),
            new Place("the kiosk in the park", "公園の売店"),
            new Place("the stationery shop on the shopping street", "商店街の文房具屋"),
            new Place("the bookshop in the station building", "駅ビルの本屋"),
            new Place("the convenience store nearby", "近所のコンビニ"),
            new Place("the morning market", "朝市"),
            new Place("the department store", "デパート"),
            new Place("the school shop", "学校の購買"));

    static final List<Day> DAYS = List.of(
            new Day("Monday", "月曜日"), new Day("Tuesday", "火曜日"), new Day("Wednesday", "水曜日"),
            new Day("Thursday", "木曜日"), new Day("Friday", "金曜日"), new Day("Saturday", "土曜日"),
            new Day("Sunday", "日曜日"));

    static <T> T pick(Random random, List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    /** Two different people. */
    static Person[] pair(Random random) {
        int a = random.nextInt(PEOPLE.size());
        int b = (a + 1 + random.nextInt(PEOPLE.size() - 1)) % PEOPLE.size();
        return new Person[] {PEOPLE.get(a), PEOPLE.get(b)};
    }

    /** An integer in [lo, hi]. */
    static int between(Random random, int lo, int hi) {
        return lo + random.nextInt(hi - lo + 1);
    }

    /** A multiple of {@code step} in [lo, hi] (both multiples of step). */
    static int stepBetween(Random random, int lo, int hi, int step) {
        return lo + step * random.nextInt((hi - lo) / step + 1);
    }
}
